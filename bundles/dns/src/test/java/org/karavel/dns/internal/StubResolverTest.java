package org.karavel.dns.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.DnsException.Reason;
import org.karavel.api.dns.MxRecord;
import org.karavel.testkit.LoopbackDnsServer;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Type;

class StubResolverTest {
    private LoopbackDnsServer dns;
    private StubResolver resolver;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        resolver = resolver(true, Duration.ofSeconds(2), 1, 300, false);
    }

    @AfterEach
    void stop() {
        if (resolver != null) {
            resolver.close();
        }
        dns.close();
    }

    private StubResolver resolver(boolean cache, Duration timeout, int retries, int negativeTtl, boolean tcp) {
        if (resolver != null) {
            resolver.close();
        }
        resolver = new StubResolver(
                new DnsSettings(List.of(dns.socketAddress()), timeout, retries, cache, 1000, negativeTtl, tcp));
        return resolver;
    }

    private static <T> T get(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    private static DnsException failure(CompletionStage<?> stage) {
        try {
            get(stage);
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(DnsException.class);
            return (DnsException) e.getCause();
        }
        throw new AssertionError("expected the lookup to fail");
    }

    @Test
    void mxIsSortedByPreferenceWithoutTrailingDots() {
        dns.add("example.com", Type.MX, "20 mx2.example.com.", 300);
        dns.add("example.com", Type.MX, "10 mx1.example.com.", 300);
        dns.add("example.com", Type.MX, "30 mx3.example.com.", 300);

        assertThat(get(resolver.mx("example.com")))
                .containsExactly(
                        new MxRecord(10, "mx1.example.com"),
                        new MxRecord(20, "mx2.example.com"),
                        new MxRecord(30, "mx3.example.com"));
        assertThat(get(resolver.mx("EXAMPLE.com."))).hasSize(3); // trailing dot and case make no difference
    }

    @Test
    void equalPreferencesComeInRandomOrder() {
        for (String h : List.of("a", "b", "c")) {
            dns.add("shuffle.example", Type.MX, "10 " + h + ".shuffle.example.", 300);
        }
        dns.add("shuffle.example", Type.MX, "5 first.shuffle.example.", 300);
        dns.add("shuffle.example", Type.MX, "20 last.shuffle.example.", 300);

        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            List<MxRecord> mx = get(resolver.mx("shuffle.example"));
            assertThat(mx.get(0).host()).isEqualTo("first.shuffle.example");
            assertThat(mx.subList(1, 4)).extracting(MxRecord::preference).containsOnly(10);
            assertThat(mx.get(4).host()).isEqualTo("last.shuffle.example");
            orders.add(mx.stream().map(MxRecord::host).toList());
        }
        // 6 orders of the three equal ones are possible; 60 draws giving one only has odds of 6^-59
        assertThat(orders).hasSizeGreaterThan(1);
        assertThat(dns.queries("shuffle.example"))
                .as("the shuffle happens on cached answers too")
                .isEqualTo(1);
    }

    @Test
    void nullMxIsReturnedAsAnEmptyHost() {
        dns.add("nomail.example", Type.MX, "0 .", 300);

        List<MxRecord> mx = get(resolver.mx("nomail.example"));
        assertThat(mx).containsExactly(new MxRecord(0, ""));
        assertThat(mx.get(0).isNullMx()).isTrue();
    }

    @Test
    void noMxIsAnEmptyListSoTheCallerFallsBackToTheAddress() {
        dns.add("implicit.example", Type.A, "192.0.2.25", 300);

        assertThat(get(resolver.mx("implicit.example"))).isEmpty();
        assertThat(get(resolver.mx("implicit.example")))
                .as("NODATA from the cache")
                .isEmpty();
        assertThat(dns.queries("implicit.example")).isEqualTo(1);
    }

    @Test
    void emptyNonTerminalIsNodataNotNxdomain() {
        dns.add("host.sub.example", Type.A, "192.0.2.1", 300);

        assertThat(get(resolver.a("sub.example"))).isEmpty();
    }

    @Test
    void unknownNameIsNoSuchDomainAndPermanent() {
        dns.add("example.com", Type.A, "192.0.2.1", 300);

        DnsException e = failure(resolver.mx("nope.example.com"));
        assertThat(e.reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
        assertThat(e.isTemporary()).isFalse();
        assertThat(failure(resolver.mx("nope.example.com")).reason())
                .as("from the negative cache")
                .isEqualTo(Reason.NO_SUCH_DOMAIN);
        assertThat(dns.queries("nope.example.com")).isEqualTo(1);
    }

    @Test
    void servfailIsAServerFailureAndTemporary() {
        dns.servfail("broken.example");

        DnsException e = failure(resolver.mx("broken.example"));
        assertThat(e.reason()).isEqualTo(Reason.SERVER_FAILURE);
        assertThat(e.isTemporary()).isTrue();
    }

    @Test
    void refusedIsAServerFailure() {
        dns.refuse("refused.example");

        assertThat(failure(resolver.a("refused.example")).reason()).isEqualTo(Reason.SERVER_FAILURE);
    }

    @Test
    void noAnswerIsATimeoutAfterEveryTry() {
        dns.drop("silent.example");
        ManualDeadlines clock = new ManualDeadlines();
        // long enough that dnsjava's own (wall-clock) timers never end a try here: only the clock does
        Duration perTry = Duration.ofSeconds(20);
        resolver.close();
        resolver = new StubResolver(
                new DnsSettings(List.of(dns.socketAddress()), perTry, 1, true, 1000, 300, false),
                new DnsCounters(),
                clock);

        CompletionStage<List<MxRecord>> stage = resolver.mx("silent.example");
        assertThat(stage.toCompletableFuture())
                .as("the call returns before any answer")
                .isNotDone();
        await().until(() -> clock.waiting(perTry) == 1);
        clock.moveTo(perTry.minusMillis(1));
        assertThat(stage.toCompletableFuture()).isNotDone();
        assertThat(dns.queries("silent.example"))
                .as("no retry before the first try's time is up")
                .isEqualTo(1);

        clock.moveTo(perTry);
        await().until(() -> clock.waiting(perTry) == 1 && dns.queries("silent.example") == 2);
        clock.moveTo(perTry.multipliedBy(2).minusMillis(1));
        assertThat(stage.toCompletableFuture())
                .as("the retry has its own full time")
                .isNotDone();

        clock.moveTo(perTry.multipliedBy(2));
        DnsException e = failure(stage);
        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(e.isTemporary()).isTrue();
        assertThat(dns.queries("silent.example")).as("first try and one retry").isEqualTo(2);
        assertThat(clock.asked())
                .as("each try's timeout, then the question's guard")
                .contains(perTry, perTry);
    }

    /** A clock the test moves by hand: a timeout fails its future once the clock has reached it. */
    static final class ManualDeadlines implements Deadlines {
        private record Waiting(CompletableFuture<?> future, Duration at, Duration timeout) {}

        private final List<Waiting> waiting = new ArrayList<>();
        private final List<Duration> asked = new ArrayList<>();
        private Duration now = Duration.ZERO;

        @Override
        public synchronized <T> CompletableFuture<T> within(CompletableFuture<T> future, Duration timeout) {
            asked.add(timeout);
            waiting.add(new Waiting(future, now.plus(timeout), timeout));
            return future;
        }

        /** How many futures of this timeout are still open and not yet timed out. */
        synchronized long waiting(Duration timeout) {
            return waiting.stream()
                    .filter(w -> w.timeout().equals(timeout) && !w.future().isDone())
                    .count();
        }

        synchronized List<Duration> asked() {
            return List.copyOf(asked);
        }

        void moveTo(Duration time) {
            List<Waiting> due = new ArrayList<>();
            synchronized (this) {
                now = time;
                for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                    Waiting w = it.next();
                    if (w.at().compareTo(now) <= 0) {
                        due.add(w);
                        it.remove();
                    }
                }
            }
            due.forEach(w -> w.future().completeExceptionally(new TimeoutException()));
        }
    }

    @Test
    void secondQuestionWithinTheTtlIsAnsweredFromTheCache() {
        dns.add("cached.example", Type.A, "192.0.2.7", 300);

        assertThat(get(resolver.a("cached.example")))
                .extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.7");
        assertThat(get(resolver.a("cached.example")))
                .extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.7");
        assertThat(dns.queries("cached.example")).isEqualTo(1);
    }

    @Test
    void withoutCacheEveryQuestionGoesToTheServer() {
        resolver(false, Duration.ofSeconds(2), 1, 300, false);
        dns.add("uncached.example", Type.A, "192.0.2.7", 300);

        get(resolver.a("uncached.example"));
        get(resolver.a("uncached.example"));
        assertThat(dns.queries("uncached.example")).isEqualTo(2);
    }

    @Test
    void answerIsAskedAgainOnceItsTtlHasPassed() {
        // dnsjava's cache counts expiry in whole seconds: an answer with TTL n is kept n-1 to n seconds,
        // so a TTL of 1 may already be gone at the second lookup
        dns.add("short.example", Type.A, "192.0.2.8", 2);

        get(resolver.a("short.example"));
        get(resolver.a("short.example"));
        assertThat(dns.queries("short.example")).isEqualTo(1);

        await().atMost(Duration.ofSeconds(6))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(get(resolver.a("short.example"))).hasSize(1);
                    assertThat(dns.queries("short.example")).isEqualTo(2);
                });
    }

    @Test
    void negativeAnswersAreCachedNoLongerThanTheCap() {
        resolver(true, Duration.ofSeconds(2), 1, 2, false); // SOA says 300 s, the cap 2 s (whole seconds, see above)
        dns.add("example.net", Type.A, "192.0.2.1", 300);

        failure(resolver.a("gone.example.net"));
        failure(resolver.a("gone.example.net"));
        assertThat(dns.queries("gone.example.net")).isEqualTo(1);

        await().atMost(Duration.ofSeconds(6))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(failure(resolver.a("gone.example.net")).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
                    assertThat(dns.queries("gone.example.net")).isEqualTo(2);
                });
    }

    @Test
    void addressLookups() throws Exception {
        dns.add("host.example", Type.A, "192.0.2.1", 300);
        dns.add("host.example", Type.A, "192.0.2.2", 300);
        dns.add("host.example", Type.AAAA, "2001:db8::1", 300);

        assertThat(get(resolver.a("host.example")))
                .extracting(InetAddress::getHostAddress)
                .containsExactlyInAnyOrder("192.0.2.1", "192.0.2.2");
        assertThat(get(resolver.aaaa("host.example"))).containsExactly(InetAddress.getByName("2001:db8::1"));
        List<InetAddress> all = get(resolver.addresses("host.example"));
        assertThat(all).hasSize(3);
        assertThat(all.get(0)).isEqualTo(InetAddress.getByName("2001:db8::1"));
        assertThat(all.subList(1, 3))
                .extracting(InetAddress::getHostAddress)
                .containsExactlyInAnyOrder("192.0.2.1", "192.0.2.2");
    }

    @Test
    void addressesWithIpv4Only() {
        dns.add("v4only.example", Type.A, "192.0.2.4", 300);

        assertThat(get(resolver.addresses("v4only.example")))
                .extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.4");
    }

    @Test
    void addressesSucceedWhenOnlyOneFamilyFails() {
        dns.add("halfbroken.example", Type.A, "192.0.2.5", 300);
        dns.servfail("halfbroken.example", Type.AAAA);

        assertThat(failure(resolver.aaaa("halfbroken.example")).reason()).isEqualTo(Reason.SERVER_FAILURE);
        assertThat(get(resolver.addresses("halfbroken.example")))
                .extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.5");
    }

    @Test
    void addressesFailWithNxdomainOnlyWhenBothSayNxdomain() {
        dns.add("example.org", Type.A, "192.0.2.1", 300);
        assertThat(failure(resolver.addresses("missing.example.org")).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);

        dns.servfail("failing.example.org");
        assertThat(failure(resolver.addresses("failing.example.org")).reason()).isEqualTo(Reason.SERVER_FAILURE);
    }

    @Test
    void addressesOfANameWithNoAddressIsEmpty() {
        dns.add("mxonly.example", Type.MX, "10 mx.example.", 300);

        assertThat(get(resolver.addresses("mxonly.example"))).isEmpty();
    }

    @Test
    void txtJoinsTheStringsOfEachRecord() {
        dns.add("example.com", Type.TXT, "\"v=spf1 \" \"ip4:192.0.2.0/24 \" \"-all\"", 300);
        dns.add("example.com", Type.TXT, "\"google-site-verification=abc\"", 300);
        dns.add("_dmarc.example.com", Type.TXT, "\"v=DMARC1; p=reject; rua=mailto:d@example.com\"", 300);

        assertThat(get(resolver.txt("example.com")))
                .containsExactlyInAnyOrder("v=spf1 ip4:192.0.2.0/24 -all", "google-site-verification=abc");
        assertThat(get(resolver.txt("_dmarc.example.com")))
                .containsExactly("v=DMARC1; p=reject; rua=mailto:d@example.com");
    }

    @Test
    void ptrForIpv4AndIpv6() throws Exception {
        InetAddress v4 = InetAddress.getByName("192.0.2.33");
        InetAddress v6 = InetAddress.getByName("2001:db8::33");
        assertThat(ReverseMap.fromAddress(v4).toString()).isEqualTo("33.2.0.192.in-addr.arpa.");
        dns.add("33.2.0.192.in-addr.arpa", Type.PTR, "mail.example.com.", 300);
        dns.add(ReverseMap.fromAddress(v6).toString(), Type.PTR, "mail6.example.com.", 300);

        assertThat(get(resolver.ptr(v4))).containsExactly("mail.example.com");
        assertThat(get(resolver.ptr(v6))).containsExactly("mail6.example.com");
        assertThat(failure(resolver.ptr(InetAddress.getByName("192.0.2.34"))).reason())
                .isEqualTo(Reason.NO_SUCH_DOMAIN);
    }

    @Test
    void cnameChainsAreFollowed() {
        dns.add("alias.example", Type.CNAME, "middle.example.", 300);
        dns.add("middle.example", Type.CNAME, "real.example.", 300);
        dns.add("real.example", Type.MX, "10 mx.real.example.", 300);
        dns.add("real.example", Type.A, "192.0.2.9", 300);

        assertThat(get(resolver.mx("alias.example"))).containsExactly(new MxRecord(10, "mx.real.example"));
        assertThat(get(resolver.a("alias.example")))
                .extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.9");
        assertThat(get(resolver.aaaa("alias.example"))).isEmpty();
        assertThat(get(resolver.mx("alias.example"))).hasSize(1);
        // the first answer brought the whole chain; later questions start from the cached CNAMEs
        assertThat(dns.queries("alias.example")).isEqualTo(1);
        assertThat(dns.queries("middle.example")).isZero();
        assertThat(dns.queries("real.example")).as("A and AAAA").isEqualTo(2);
    }

    @Test
    void cnameToNothingIsNoSuchDomain() {
        dns.add("dangling.example", Type.CNAME, "nowhere.example.", 300);

        assertThat(failure(resolver.a("dangling.example")).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
    }

    @Test
    void cnameLoopIsAServerFailure() {
        dns.add("loop1.example", Type.CNAME, "loop2.example.", 300);
        dns.add("loop2.example", Type.CNAME, "loop1.example.", 300);

        assertThat(failure(resolver.a("loop1.example")).reason()).isEqualTo(Reason.SERVER_FAILURE);
    }

    @Test
    void tcpOnly() {
        resolver(true, Duration.ofSeconds(2), 1, 300, true);
        dns.add("tcp.example", Type.A, "192.0.2.53", 300);

        assertThat(get(resolver.a("tcp.example"))).hasSize(1);
        assertThat(dns.tcpQueries("tcp.example")).isEqualTo(1);
        assertThat(dns.queries("tcp.example")).isEqualTo(1);
    }

    @Test
    void truncatedUdpAnswerIsAskedAgainOverTcp() {
        for (int i = 1; i <= 120; i++) {
            dns.add("big.example", Type.A, "10.0." + (i / 250) + "." + (i % 250), 300);
        }

        assertThat(get(resolver.a("big.example"))).hasSize(120);
        assertThat(dns.queries("big.example")).isEqualTo(2);
        assertThat(dns.tcpQueries("big.example")).isEqualTo(1);
    }

    @Test
    void invalidNameFailsWithoutAQuery() {
        String tooLong = "a".repeat(64) + ".example";

        assertThat(failure(resolver.a(tooLong)).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
        assertThat(failure(resolver.a("")).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
    }

    @Test
    void internationalNamesAreAskedInTheirAsciiForm() {
        dns.add("xn--bcher-kva.example", Type.MX, "10 mx.xn--bcher-kva.example.", 300);

        assertThat(get(resolver.mx("bücher.example"))).containsExactly(new MxRecord(10, "mx.xn--bcher-kva.example"));
    }

    @Test
    void unreachableServerIsATimeout() throws Exception {
        int freePort;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            freePort = s.getLocalPort();
        }
        resolver.close();
        resolver = new StubResolver(new DnsSettings(
                List.of(new InetSocketAddress("127.0.0.1", freePort)),
                Duration.ofMillis(300),
                0,
                true,
                100,
                300,
                false));

        DnsException e = failure(resolver.a("anything.example"));
        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
    }

    @Test
    void lookupsAfterCloseStillComplete() {
        dns.add("late.example", Type.A, "192.0.2.77", 300);
        resolver.close();

        CompletableFuture<List<InetAddress>> late = resolver.a("late.example").toCompletableFuture();
        assertThat(get(late)).hasSize(1);
    }
}
