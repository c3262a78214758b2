package org.karavel.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.MxAnswer;
import org.karavel.api.dns.MxRecord;
import org.karavel.api.dns.Resolver;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The api Resolver for tests: dnsjava's SimpleResolver asking the testkit's LoopbackDnsServer on
 * 127.0.0.1, and nothing else. MX answers are sorted by preference (equal ones keep the server's order).
 */
public final class LoopbackResolver implements Resolver {
    private final SimpleResolver dns;

    /** A resolver asking only 127.0.0.1 on this port (a {@link LoopbackDnsServer#port()}). */
    public LoopbackResolver(int port) throws IOException {
        dns = new SimpleResolver(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        dns.setPort(port);
        dns.setTimeout(Duration.ofSeconds(2));
    }

    @Override
    public CompletionStage<List<MxRecord>> mx(String domain) {
        return query(domain, Type.MX)
                .thenApply(rs -> rs.stream()
                        .map(r -> (MXRecord) r)
                        .map(r -> new MxRecord(r.getPriority(), host(r.getTarget())))
                        .sorted(Comparator.comparingInt(MxRecord::preference))
                        .toList());
    }

    /**
     * As a resolver with {@code dnssec = trust_ad} answers: the MX question carries the AD bit, and the
     * answer is authentic when the server set it ({@link LoopbackDnsServer#authenticData(String)}).
     */
    @Override
    public CompletionStage<MxAnswer> mxAnswer(String domain) {
        return exchange(domain, Type.MX, true)
                .thenApply(answer -> new MxAnswer(
                        records(answer, Type.MX).stream()
                                .map(r -> (MXRecord) r)
                                .map(r -> new MxRecord(r.getPriority(), host(r.getTarget())))
                                .sorted(Comparator.comparingInt(MxRecord::preference))
                                .toList(),
                        answer.getHeader().getFlag(Flags.AD)));
    }

    @Override
    public CompletionStage<List<InetAddress>> a(String host) {
        return query(host, Type.A)
                .thenApply(
                        rs -> rs.stream().map(r -> ((ARecord) r).getAddress()).toList());
    }

    @Override
    public CompletionStage<List<InetAddress>> aaaa(String host) {
        return query(host, Type.AAAA)
                .thenApply(rs ->
                        rs.stream().map(r -> ((AAAARecord) r).getAddress()).toList());
    }

    @Override
    public CompletionStage<List<InetAddress>> addresses(String host) {
        CompletableFuture<List<InetAddress>> v6 = aaaa(host).toCompletableFuture();
        CompletableFuture<List<InetAddress>> v4 = a(host).toCompletableFuture();
        return v6.handle((six, e6) -> v4.handle((four, e4) -> {
                    if (e6 != null && e4 != null) {
                        throw e4 instanceof CompletionException
                                ? (CompletionException) e4
                                : new CompletionException(e4);
                    }
                    List<InetAddress> all = new ArrayList<>();
                    if (six != null) {
                        all.addAll(six);
                    }
                    if (four != null) {
                        all.addAll(four);
                    }
                    return all;
                }))
                .thenCompose(f -> f);
    }

    @Override
    public CompletionStage<List<String>> txt(String name) {
        return query(name, Type.TXT)
                .thenApply(rs -> rs.stream()
                        .map(r -> String.join("", ((TXTRecord) r).getStrings()))
                        .toList());
    }

    @Override
    public CompletionStage<List<String>> ptr(InetAddress address) {
        return query(ReverseMap.fromAddress(address).toString(), Type.PTR)
                .thenApply(rs ->
                        rs.stream().map(r -> host(((PTRRecord) r).getTarget())).toList());
    }

    private static String host(Name n) {
        String s = n.toString(true);
        return ".".equals(s) ? "" : s;
    }

    private CompletionStage<List<Record>> query(String name, int type) {
        return exchange(name, type, false).thenApply(answer -> records(answer, type));
    }

    private static List<Record> records(Message answer, int type) {
        return answer.getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == type)
                .toList();
    }

    /** The whole answer message (NOERROR), the AD bit asked for when {@code authenticData}. */
    private CompletionStage<Message> exchange(String name, int type, boolean authenticData) {
        Message q;
        try {
            q = Message.newQuery(
                    Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(
                    new DnsException(DnsException.Reason.NO_SUCH_DOMAIN, "bad name " + name));
        }
        if (authenticData) {
            q.getHeader().setFlag(Flags.AD);
        }
        return dns.sendAsync(q).handle((answer, error) -> {
            if (error != null) {
                throw new CompletionException(new DnsException(DnsException.Reason.TIMEOUT, name + ": " + error));
            }
            int rcode = answer.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                throw new CompletionException(
                        new DnsException(DnsException.Reason.NO_SUCH_DOMAIN, name + ": NXDOMAIN"));
            }
            if (rcode != Rcode.NOERROR) {
                throw new CompletionException(
                        new DnsException(DnsException.Reason.SERVER_FAILURE, name + ": " + Rcode.string(rcode)));
            }
            return answer;
        });
    }
}
