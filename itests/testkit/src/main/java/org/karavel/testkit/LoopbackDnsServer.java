package org.karavel.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A small authoritative DNS server for tests, on 127.0.0.1 only, UDP and TCP on the same free port.
 * It answers from records the test adds (following CNAME chains inside its data), says NXDOMAIN for
 * names it does not know and NODATA for known names without the type asked (both with an SOA, so
 * that resolvers cache them negatively), and can be told to answer SERVFAIL or REFUSED for a name,
 * or not to answer at all. It counts the questions it gets per name. For DNSSEC tests it can set the
 * AD bit as a validating resolver would ({@link #authenticData(boolean)}), and it sends the RRSIG
 * records a test added with an RRset when the question has the DO bit.
 *
 * <pre>
 * try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
 *     dns.add("example.com", Type.MX, "10 mx1.example.com.", 300);
 *     ... point the resolver at 127.0.0.1:dns.port() ...
 *     assertThat(dns.queries("example.com")).isEqualTo(1);
 * }
 * </pre>
 */
public final class LoopbackDnsServer implements AutoCloseable {
    private static final int MAX_CNAME_HOPS = 8;
    private static final int PLAIN_UDP_SIZE = 512;

    private final InetAddress loopback;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final Set<String> servfailTypes = ConcurrentHashMap.newKeySet();
    private final Set<Name> refused = ConcurrentHashMap.newKeySet();
    private final Set<Name> dropped = ConcurrentHashMap.newKeySet();
    private final Map<Name, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final Map<Name, AtomicInteger> tcpQueries = new ConcurrentHashMap<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private volatile long negativeTtl = 300;
    private volatile boolean authenticData;
    private final Set<Name> authenticNames = ConcurrentHashMap.newKeySet();
    private final Map<Name, Message> lastQueries = new ConcurrentHashMap<>();
    private volatile boolean running;
    private DatagramSocket udp;
    private ServerSocket tcp;

    private LoopbackDnsServer() {
        try {
            loopback = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Binds UDP and TCP on one free port of 127.0.0.1 and starts answering. */
    public static LoopbackDnsServer start() throws IOException {
        return new LoopbackDnsServer().open(0);
    }

    /** Binds UDP and TCP on the given port of 127.0.0.1 (chosen free by the caller beforehand). */
    public static LoopbackDnsServer start(int port) throws IOException {
        return new LoopbackDnsServer().open(port);
    }

    private LoopbackDnsServer open(int port) throws IOException {
        if (running) {
            throw new IllegalStateException("already started");
        }
        for (int attempt = 0; ; attempt++) {
            DatagramSocket u = new DatagramSocket(new InetSocketAddress(loopback, port));
            ServerSocket t = new ServerSocket();
            try {
                t.bind(new InetSocketAddress(loopback, u.getLocalPort()), 50);
                udp = u;
                tcp = t;
                break;
            } catch (BindException e) { // the TCP port of that number is taken: try another number
                u.close();
                t.close();
                if (attempt >= 20 || port != 0) {
                    throw e;
                }
            }
        }
        running = true;
        daemon("dns-test-udp", this::serveUdp).start();
        daemon("dns-test-tcp", this::acceptTcp).start();
        return this;
    }

    /** The port, the same for UDP and TCP. */
    public int port() {
        return udp.getLocalPort();
    }

    /** 127.0.0.1 and {@link #port()}. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(loopback, port());
    }

    /** {@code 127.0.0.1:port}, the form resolver configurations take. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /**
     * Adds a record. {@code rdataText} is the record data as in a zone file, e.g. {@code "10 mx1.example.com."}
     * for MX, {@code "192.0.2.1"} for A, {@code "\"v=spf1 -all\""} for TXT; names in it should end with a dot.
     */
    public void add(String name, int type, String rdataText, long ttl) {
        try {
            Record r = Record.fromString(name(name), type, DClass.IN, ttl, rdataText, Name.root);
            records.computeIfAbsent(r.getName(), k -> new CopyOnWriteArrayList<>())
                    .add(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad record " + name + " " + Type.string(type) + " " + rdataText, e);
        }
    }

    /** Adds a record built by the test, e.g. an RRSIG made with {@code DNSSEC.sign} or a DNSKEY. */
    public void add(Record r) {
        records.computeIfAbsent(r.getName(), k -> new CopyOnWriteArrayList<>()).add(r);
    }

    /**
     * Plays a validating resolver that vouches for every answer: from now on, NOERROR and NXDOMAIN
     * answers carry the AD bit when the question had AD or DO set (RFC 6840 §5.7), as unbound does.
     */
    public void authenticData(boolean on) {
        authenticData = on;
    }

    /** The same, for answers to questions about this name only. */
    public void authenticData(String name) {
        authenticNames.add(name(name));
    }

    /** The last question about this name (to look at its flags and EDNS), or null. */
    public Message lastQuery(String name) {
        return lastQueries.get(name(name));
    }

    /** Answers SERVFAIL to every question about this name from now on. */
    public void servfail(String name) {
        servfail.add(name(name));
    }

    /** Answers SERVFAIL to questions of this type about this name (e.g. AAAA only, as some broken servers do). */
    public void servfail(String name, int type) {
        servfailTypes.add(typeKey(name(name), type));
    }

    /** Answers REFUSED to every question about this name from now on. */
    public void refuse(String name) {
        refused.add(name(name));
    }

    /** Never answers a question about this name (to test timeouts). */
    public void drop(String name) {
        dropped.add(name(name));
    }

    /** TTL (and SOA minimum) of the SOA sent with NXDOMAIN and NODATA answers; 300 s unless set. */
    public void negativeTtl(long seconds) {
        negativeTtl = seconds;
    }

    /** How many questions (any type, UDP or TCP) came for this name. */
    public int queries(String name) {
        AtomicInteger n = queries.get(name(name));
        return n == null ? 0 : n.get();
    }

    /** How many of those came over TCP. */
    public int tcpQueries(String name) {
        AtomicInteger n = tcpQueries.get(name(name));
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        running = false;
        if (udp != null) {
            udp.close();
        }
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad name: " + name, e);
        }
    }

    private static String typeKey(Name name, int type) {
        return name.toString().toLowerCase(Locale.ROOT) + "/" + type;
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (running) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(packet);
                Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
                Message response = answer(query, false);
                if (response == null) {
                    continue;
                }
                OPTRecord opt = query.getOPT();
                int max = opt == null ? PLAIN_UDP_SIZE : Math.max(PLAIN_UDP_SIZE, opt.getPayloadSize());
                byte[] out = response.toWire(max); // sets TC when the answer does not fit
                udp.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                // a malformed query: ignore it, as a real server would
            }
        }
    }

    private void acceptTcp() {
        while (running) {
            try {
                Socket s = tcp.accept();
                connections.add(s);
                daemon("dns-test-tcp-conn", () -> serveTcp(s)).start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serveTcp(Socket s) {
        try (s;
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (running) {
                int length = in.readUnsignedShort();
                byte[] data = new byte[length];
                in.readFully(data);
                Message response = answer(new Message(data), true);
                if (response == null) {
                    continue;
                }
                byte[] wire = response.toWire();
                out.writeShort(wire.length);
                out.write(wire);
                out.flush();
            }
        } catch (EOFException | SocketException e) {
            // client closed, or server closing
        } catch (IOException e) {
            // malformed query: drop the connection
        } finally {
            connections.remove(s);
        }
    }

    /** The answer to a query, or null to stay silent. */
    private Message answer(Message query, boolean overTcp) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        Record question = query.getQuestion();
        if (question == null || query.getHeader().getOpcode() != Opcode.QUERY) {
            response.getHeader().setRcode(question == null ? Rcode.FORMERR : Rcode.NOTIMP);
            return response;
        }
        response.addRecord(question, Section.QUESTION);
        if (query.getOPT() != null) {
            // echo DO (RFC 3225 §3), so that a validator knows signatures were not stripped
            response.addRecord(
                    new OPTRecord(1232, 0, 0, query.getOPT().getFlags() & ExtendedFlags.DO), Section.ADDITIONAL);
        }
        Name qname = question.getName();
        lastQueries.put(qname, query);
        queries.computeIfAbsent(qname, k -> new AtomicInteger()).incrementAndGet();
        if (overTcp) {
            tcpQueries.computeIfAbsent(qname, k -> new AtomicInteger()).incrementAndGet();
        }
        if (dropped.contains(qname)) {
            return null;
        }
        if (servfail.contains(qname) || servfailTypes.contains(typeKey(qname, question.getType()))) {
            response.getHeader().setRcode(Rcode.SERVFAIL);
            return response;
        }
        if (refused.contains(qname)) {
            response.getHeader().setRcode(Rcode.REFUSED);
            return response;
        }
        response.getHeader().setFlag(Flags.AA);
        boolean dnssecOk = query.getOPT() != null && (query.getOPT().getFlags() & ExtendedFlags.DO) != 0;
        if ((authenticData || authenticNames.contains(qname))
                && (dnssecOk || query.getHeader().getFlag(Flags.AD))) {
            response.getHeader().setFlag(Flags.AD); // kept only on NOERROR and NXDOMAIN (see below)
        }
        if (query.getHeader().getFlag(Flags.CD)) {
            response.getHeader().setFlag(Flags.CD);
        }
        int qtype = question.getType();
        Name current = qname;
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            List<Record> here = records.getOrDefault(current, List.of());
            boolean found = false;
            for (Record r : here) {
                if (r.getType() == qtype || qtype == Type.ANY) {
                    response.addRecord(r, Section.ANSWER);
                    found = true;
                }
            }
            if (found) {
                if (dnssecOk && qtype != Type.RRSIG && qtype != Type.ANY) {
                    addSignatures(
                            response, here, qtype); // RFC 4035 §3.1.1: the RRSIGs go with the RRset when DO is set
                }
                return response;
            }
            CNAMERecord cname = (CNAMERecord) here.stream()
                    .filter(r -> r.getType() == Type.CNAME)
                    .findFirst()
                    .orElse(null);
            if (cname == null || qtype == Type.CNAME) {
                if (!exists(current)) {
                    response.getHeader().setRcode(Rcode.NXDOMAIN);
                }
                response.addRecord(soa(), Section.AUTHORITY);
                return response;
            }
            response.addRecord(cname, Section.ANSWER);
            if (dnssecOk) {
                addSignatures(response, here, Type.CNAME);
            }
            current = cname.getTarget();
        }
        response.getHeader().unsetFlag(Flags.AD);
        response.getHeader().setRcode(Rcode.SERVFAIL); // CNAME chain too long
        return response;
    }

    private static void addSignatures(Message response, List<Record> here, int covered) {
        for (Record r : here) {
            if (r instanceof RRSIGRecord sig && sig.getTypeCovered() == covered) {
                response.addRecord(r, Section.ANSWER);
            }
        }
    }

    /** Whether the name owns records or lies above a name that does (an empty non-terminal). */
    private boolean exists(Name name) {
        return records.keySet().stream().anyMatch(owner -> owner.subdomain(name));
    }

    private SOARecord soa() {
        try {
            long ttl = negativeTtl;
            return new SOARecord(
                    Name.root,
                    DClass.IN,
                    ttl,
                    Name.fromString("ns.test."),
                    Name.fromString("hostmaster.test."),
                    1,
                    3600,
                    600,
                    86400,
                    ttl);
        } catch (TextParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
