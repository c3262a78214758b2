package org.karavel.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.recipient.Expansion;

/** Postfix virtual_alias_maps semantics, case by case. */
class AliasExpanderTest {
    private static final Set<String> USERS = Set.of("alice@example.com", "bob@example.com", "carol@example.org");

    private static Expansion expand(String address, String... lines) throws Exception {
        VirtualAliasMap map = VirtualAliasMap.parse(List.of(lines), "etc/karavel.aliases");
        return new AliasExpander(map, a -> USERS.contains(VirtualAliasMap.key(a)), "+", "etc/karavel.aliases")
                .expand(MailAddress.parse(address));
    }

    private static List<String> addresses(Expansion e) {
        return e.recipients().stream().map(MailAddress::toString).toList();
    }

    @Test
    void usersAndStrangers() throws Exception {
        assertThat(expand("alice@example.com").kind()).isEqualTo(Expansion.Kind.USER);
        assertThat(expand("Alice@EXAMPLE.com").kind()).isEqualTo(Expansion.Kind.USER);
        Expansion tagged = expand("alice+news@example.com");
        assertThat(tagged.kind()).isEqualTo(Expansion.Kind.USER);
        assertThat(addresses(tagged)).containsExactly("alice+news@example.com");
        assertThat(expand("nobody@example.com").kind()).isEqualTo(Expansion.Kind.UNKNOWN);
        assertThat(expand("nobody@example.com").known()).isFalse();
    }

    @Test
    void aliasToUsersAndRemoteAddresses() throws Exception {
        Expansion e = expand("sales@example.com", "sales@example.com alice@example.com, partner@remote.test");
        assertThat(e.kind()).isEqualTo(Expansion.Kind.ALIAS);
        assertThat(addresses(e)).containsExactly("alice@example.com", "partner@remote.test");
    }

    @Test
    void recursiveWithDuplicatesDropped() throws Exception {
        Expansion e = expand(
                "all@example.com",
                "all@example.com sales@example.com, support@example.com",
                "sales@example.com alice@example.com, bob@example.com",
                "support@example.com bob@example.com, carol@example.org");
        assertThat(addresses(e)).containsExactly("alice@example.com", "bob@example.com", "carol@example.org");
    }

    @Test
    void anAddressThatMapsToItselfIsKeptAndNotExpandedAgain() throws Exception {
        Expansion e = expand(
                "alice@example.com",
                "alice@example.com alice@example.com, archive@remote.test",
                "@example.com catchall@example.com");
        assertThat(addresses(e)).containsExactly("alice@example.com", "archive@remote.test");
        // and a loop back to an address that kept itself is no loop (Postfix's been_here)
        Expansion back =
                expand("a@example.com", "a@example.com a@example.com, b@example.com", "b@example.com a@example.com");
        assertThat(back.kind()).isEqualTo(Expansion.Kind.ALIAS);
        assertThat(addresses(back)).containsExactly("a@example.com");
    }

    @Test
    void loopsAreNamed() throws Exception {
        Expansion e = expand(
                "a@example.com",
                "a@example.com b@example.com",
                "b@example.com c@example.com",
                "c@example.com a@example.com");
        assertThat(e.kind()).isEqualTo(Expansion.Kind.FAILED);
        assertThat(e.problem())
                .contains("etc/karavel.aliases")
                .contains("alias loop")
                .contains("a@example.com -> b@example.com -> c@example.com -> a@example.com");
        assertThat(e.recipients()).isEmpty();
    }

    @Test
    void expansionLimit() throws Exception {
        List<String> lines = new ArrayList<>();
        StringBuilder many = new StringBuilder("list@example.com ");
        for (int i = 0; i <= AliasExpander.EXPANSION_LIMIT; i++) {
            many.append(i == 0 ? "" : ", ").append("m").append(i).append("@remote.test");
        }
        lines.add(many.toString());
        Expansion e = expand("list@example.com", lines.toArray(new String[0]));
        assertThat(e.kind()).isEqualTo(Expansion.Kind.FAILED);
        assertThat(e.problem()).contains("more than 1000 addresses");
    }

    @Test
    void catchAllComesAfterUsersAndAliases() throws Exception {
        String[] map = {"@example.com postmaster@example.com", "info@example.com bob@example.com"};
        assertThat(addresses(expand("random@example.com", map))).containsExactly("postmaster@example.com");
        assertThat(expand("random@example.com", map).kind()).isEqualTo(Expansion.Kind.ALIAS);
        assertThat(expand("alice@example.com", map).kind()).isEqualTo(Expansion.Kind.USER);
        assertThat(expand("alice+tag@example.com", map).kind()).isEqualTo(Expansion.Kind.USER);
        assertThat(addresses(expand("info@example.com", map))).containsExactly("bob@example.com");
        assertThat(expand("x@other.example", map).kind()).isEqualTo(Expansion.Kind.UNKNOWN);
    }

    @Test
    void domainTargetsKeepTheLocalPart() throws Exception {
        assertThat(addresses(expand("anyone@old.example", "@old.example @example.com")))
                .containsExactly("anyone@example.com");
    }

    @Test
    void extensionsArePropagated() throws Exception {
        Expansion e = expand("sales+urgent@example.com", "sales@example.com alice@example.com, partner@remote.test");
        assertThat(addresses(e)).containsExactly("alice+urgent@example.com", "partner+urgent@remote.test");
        // an exact entry for the extended address wins
        assertThat(addresses(expand(
                        "sales+urgent@example.com",
                        "sales@example.com alice@example.com",
                        "sales+urgent@example.com bob@example.com")))
                .containsExactly("bob@example.com");
    }

    @Test
    void bareUserNamesTakeTheAliasDomain() throws Exception {
        assertThat(addresses(expand("help@example.com", "help@example.com bob")))
                .containsExactly("bob@example.com");
    }

    @Test
    void domainsCompareAsDns() throws Exception {
        assertThat(addresses(expand("info@Example.COM", "INFO@example.com bob@example.com")))
                .containsExactly("bob@example.com");
        assertThat(addresses(expand("x@bücher.example", "@xn--bcher-kva.example bob@example.com")))
                .containsExactly("bob@example.com");
    }
}
