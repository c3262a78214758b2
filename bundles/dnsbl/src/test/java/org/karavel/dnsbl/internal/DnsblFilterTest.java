package org.karavel.dnsbl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/**
 * The dnsbl filter against a real DNS server on 127.0.0.1 (the testkit's), through dnsjava. The
 * Spamhaus zone names exist only inside that server; clients are TEST-NET addresses that are only
 * values in the session, never connected to.
 */
class DnsblFilterTest {
    private static final String LISTED = "192.0.2.1";
    private static final String CLEAN = "192.0.2.2";

    private LoopbackDnsServer dns;
    private LoopbackResolver resolver;
    private final DnsblCounters counters = new DnsblCounters();

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        resolver = new LoopbackResolver(dns.port());
        dns.add("1.2.0.192.zen.spamhaus.org", Type.A, "127.0.0.2", 60);
        dns.add("1.2.0.192.zen.spamhaus.org", Type.TXT, "\"https://www.spamhaus.org/query/ip/192.0.2.1\"", 60);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void listedClientIsRejectedAtRcptWithTheListsReason() throws Exception {
        Verdict v = rcpt(filter(Map.of()), FilterSession.from(LISTED), "a@sender.example", "user@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(v.toString())
                .isEqualTo("554 5.7.1 Service unavailable; client [192.0.2.1] blocked using "
                        + "zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1");
        assertThat(counters.listed()).isEqualTo(1);
        assertThat(counters.metrics())
                .filteredOn(m -> m.name().equals("karavel_dnsbl_listings_total"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples()).singleElement().satisfies(x -> {
                    assertThat(x.labels()).containsEntry("list", "zen.spamhaus.org");
                    assertThat(x.value()).isEqualTo(1.0);
                }));
    }

    @Test
    void sessionOpenedBeforeAnUpdateOfTheBundleIsCheckedAgainNotFailed() throws Exception {
        // what the previous copy of the bundle left in a session that is still open: a stage of a
        // class the new copy cannot cast (here simply another type), under the key it used
        FilterSession s = FilterSession.from(LISTED);
        s.attributes().put("dnsbl.zen", CompletableFuture.completedFuture("a Lookup of the old class loader"));
        DnsblFilter updated = filter(Map.of());
        FilterEnvelope envelope = FilterEnvelope.from("a@sender.example");

        // no connect(): the session began before this filter existed
        updated.mailFrom(s, envelope, envelope.sender()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        Verdict v = updated.rcptTo(s, envelope, MailAddress.parse("user@here.example"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);

        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(v.text()).startsWith("Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org");
    }

    @Test
    void clientNotListedPasses() throws Exception {
        Verdict v = rcpt(filter(Map.of()), FilterSession.from(CLEAN), "a@sender.example", "user@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(dns.queries("2.2.0.192.zen.spamhaus.org")).isEqualTo(1);
        assertThat(counters.listed()).isZero();
        assertThat(counters.failures()).isZero();
    }

    @Test
    void ipv6ClientIsAskedByReversedNibbles() throws Exception {
        String name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org";
        dns.add(name, Type.A, "127.0.0.4", 60);

        Verdict v = rcpt(filter(Map.of()), FilterSession.from("2001:db8::1"), "a@sender.example", "user@here.example");

        assertThat(DnsblFilter.reversed(InetAddress.getByName("2001:db8::1")) + ".zen.spamhaus.org")
                .isEqualTo(name);
        assertThat(dns.queries(name)).isGreaterThanOrEqualTo(1);
        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(v.text())
                .startsWith("Service unavailable; client [2001:db8:0:0:0:0:0:1] blocked using zen.spamhaus.org");
    }

    @Test
    void errorAnswerIsNeverAListingAndIsWarnedAboutOnce() throws Exception {
        dns.add("3.2.0.192.zen.spamhaus.org", Type.A, "127.255.255.254", 60);
        DnsblFilter filter = filter(Map.of());

        Verdict first = rcpt(filter, FilterSession.from("192.0.2.3"), "a@sender.example", "user@here.example");
        Verdict second = rcpt(filter, FilterSession.from("192.0.2.3"), "a@sender.example", "user@here.example");

        assertThat(first.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(second.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(counters.errors()).isEqualTo(2);
        assertThat(counters.errorWarnings()).isEqualTo(1);
        assertThat(counters.listed()).isZero();
    }

    @Test
    void dblErrorCodeIsNotAListing() throws Exception {
        dns.add("odd.example.dbl.spamhaus.org", Type.A, "127.0.1.255", 60);

        Verdict v = rcpt(filter(Map.of()), FilterSession.from(CLEAN), "a@odd.example", "user@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(counters.errors()).isEqualTo(1);
    }

    @Test
    void listedSenderDomainIsRejected() throws Exception {
        dns.add("bad.example.dbl.spamhaus.org", Type.A, "127.0.1.2", 60);

        Verdict v = rcpt(filter(Map.of()), FilterSession.from(CLEAN), "someone@Bad.Example", "user@here.example");

        assertThat(v.toString())
                .isEqualTo("554 5.7.1 Service unavailable; sender domain bad.example blocked using dbl.spamhaus.org");
    }

    @Test
    void heloNameIsCheckedOnlyWhenAsked() throws Exception {
        dns.add("bad-helo.example.dbl.spamhaus.org", Type.A, "127.0.1.2", 60);

        Verdict off = rcpt(
                filter(Map.of()),
                FilterSession.from(CLEAN).ehlo("bad-helo.example"),
                "a@sender.example",
                "u@here.example");
        Verdict on = rcpt(
                filter(Map.of("check_helo", true)),
                FilterSession.from(CLEAN).ehlo("bad-helo.example"),
                "a@sender.example",
                "u@here.example");

        assertThat(off.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(on.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(on.text()).contains("bad-helo.example blocked using dbl.spamhaus.org");
    }

    @Test
    void headerActionAddsTheHeaderAtEndOfMessageInsteadOfRejecting() throws Exception {
        DnsblFilter filter = filter(Map.of("zen_action", "header"));
        FilterSession s = FilterSession.from(LISTED);
        FilterEnvelope envelope = FilterEnvelope.from("a@sender.example");

        Verdict atRcpt = rcpt(filter, s, "a@sender.example", "user@here.example");
        Verdict atEnd =
                filter.endOfMessage(s, envelope, null).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(atRcpt.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(atEnd.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(atEnd.headers())
                .extracting(Verdict.Header::toString)
                .containsExactly("X-Karavel-DNSBL: zen.spamhaus.org=127.0.0.2");
    }

    @Test
    void dqsKeyChangesTheZonesAskedButNeverShowsTheKey() throws Exception {
        dns.add("1.2.0.192.k3y.zen.dq.spamhaus.net", Type.A, "127.0.0.3", 60);
        dns.add("bad.example.k3y.dbl.dq.spamhaus.net", Type.A, "127.0.1.2", 60);
        DnsblFilter filter = filter(Map.of("dqs_key", "k3y"));

        Verdict zen = rcpt(filter, FilterSession.from(LISTED), "a@bad.example", "user@here.example");
        Verdict dbl = rcpt(filter, FilterSession.from(CLEAN), "a@bad.example", "user@here.example");

        assertThat(dns.queries("1.2.0.192.k3y.zen.dq.spamhaus.net")).isGreaterThanOrEqualTo(1);
        assertThat(dns.queries("1.2.0.192.zen.spamhaus.org")).isZero();
        assertThat(dns.queries("bad.example.k3y.dbl.dq.spamhaus.net")).isGreaterThanOrEqualTo(1);
        assertThat(dns.queries("bad.example.dbl.spamhaus.org")).isZero();
        assertThat(zen.text())
                .startsWith("Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org")
                .doesNotContain("k3y");
        assertThat(dbl.toString())
                .isEqualTo("554 5.7.1 Service unavailable; sender domain bad.example blocked using dbl.spamhaus.org");
    }

    @Test
    void authenticatedClientIsNotRejected() throws Exception {
        Verdict v =
                rcpt(filter(Map.of()), FilterSession.from(LISTED).user("alice"), "a@sender.example", "u@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
    }

    @Test
    void passListedClientIsNeitherAskedNorRejected() throws Exception {
        Verdict v = rcpt(
                filter(Map.of("pass_list", new String[] {"198.51.100.0/24, 192.0.2.0/28"})),
                FilterSession.from(LISTED),
                "a@sender.example",
                "u@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(dns.queries("1.2.0.192.zen.spamhaus.org")).isZero();
        assertThat(counters.exempt.sum()).isEqualTo(1);
        assertThat(counters.lookups()).isZero();
    }

    @Test
    void relayHostIsNeverAskedButOtherLoopbackClientsAre() throws Exception {
        dns.add("1.0.0.127.zen.spamhaus.org", Type.A, "127.0.0.2", 60);
        dns.add("2.0.0.127.zen.spamhaus.org", Type.A, "127.0.0.2", 60);
        FilterSession relayHost = FilterSession.from("127.0.0.1");
        relayHost.attributes().put(SessionView.RELAY_CLIENT, Boolean.TRUE);

        Verdict own = rcpt(filter(Map.of()), relayHost, "a@sender.example", "u@here.example");
        Verdict other = rcpt(filter(Map.of()), FilterSession.from("127.0.0.2"), "a@sender.example", "u@here.example");

        assertThat(own.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(dns.queries("1.0.0.127.zen.spamhaus.org")).isZero();
        assertThat(other.kind()).isEqualTo(Verdict.Kind.REJECT);
    }

    @Test
    void postmasterIsReachableFromAListedClient() throws Exception {
        DnsblFilter filter = filter(Map.of());
        FilterSession s = FilterSession.from(LISTED);
        FilterEnvelope envelope = FilterEnvelope.from("a@sender.example");
        filter.connect(s);
        filter.mailFrom(s, envelope, envelope.sender());

        Verdict postmaster = filter.rcptTo(s, envelope, MailAddress.parse("PostMaster@here.example"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        Verdict other = filter.rcptTo(s, envelope, MailAddress.parse("user@here.example"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);

        assertThat(postmaster.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(other.kind()).isEqualTo(Verdict.Kind.REJECT);
    }

    @Test
    void serverFailurePassesAndIsCounted() throws Exception {
        dns.servfail("5.2.0.192.zen.spamhaus.org");

        Verdict v = rcpt(filter(Map.of()), FilterSession.from("192.0.2.5"), "a@sender.example", "u@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(counters.failures()).isEqualTo(1);
        assertThat(dns.queries("5.2.0.192.zen.spamhaus.org")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void disabledFilterAsksNothing() throws Exception {
        Verdict v = rcpt(
                filter(Map.of("enabled", false)), FilterSession.from(LISTED), "a@sender.example", "u@here.example");

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(counters.lookups()).isZero();
    }

    @Test
    void connectNeverWaitsForTheAnswer() throws Exception {
        dns.drop("9.2.0.192.zen.spamhaus.org");
        FilterSession s = FilterSession.from("192.0.2.9");

        Verdict v = filter(Map.of()).connect(s).toCompletableFuture().getNow(null);

        assertThat(v).isNotNull();
        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(s.attributes()).containsKey(DnsblFilter.ZEN);
    }

    @Test
    void aDqsKeyReferenceConfigAdminCouldNotResolveTurnsLookupsOffRatherThanAskingNonsense() throws Exception {
        for (String unresolved : List.of("$[secret:dqs]", "$[env:SPAMHAUS_DQS_KEY]")) {
            DnsblSettings s = DnsblSettings.from(config(Map.of("dqs_key", unresolved)));

            assertThat(s.enabled()).as(unresolved).isFalse();
            assertThat(s.zenQueryZone()).doesNotContain("$[");
            assertThat(s.dblQueryZone()).doesNotContain("$[");
        }
        assertThat(DnsblSettings.from(config(Map.of("dqs_key", "k3y"))).enabled())
                .isTrue();
    }

    // ---- helpers

    private DnsblFilter filter(Map<String, Object> overrides) {
        return new DnsblFilter(DnsblSettings.from(config(overrides)), resolver, counters);
    }

    /** A DnsblConfig as DS would give it: the overrides by property key, the annotation defaults otherwise. */
    static DnsblConfig config(Map<String, Object> overrides) {
        return (DnsblConfig) Proxy.newProxyInstance(
                DnsblConfig.class.getClassLoader(), new Class<?>[] {DnsblConfig.class}, (proxy, method, args) -> {
                    String key = method.getName().replace("__", "_");
                    return overrides.containsKey(key) ? overrides.get(key) : method.getDefaultValue();
                });
    }

    private Verdict rcpt(DnsblFilter filter, FilterSession s, String sender, String recipient) throws Exception {
        FilterEnvelope envelope = FilterEnvelope.from(sender);
        filter.connect(s).toCompletableFuture().get(5, TimeUnit.SECONDS);
        filter.mailFrom(s, envelope, envelope.sender()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        return filter.rcptTo(s, envelope, MailAddress.parse(recipient))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }
}
