package org.karavel.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An authoritative DNS server on 127.0.0.1 (UDP and TCP, same port) answering from records the test
 * adds. Unknown names get NXDOMAIN; names can be made to fail (SERVFAIL) or to go unanswered.
 */
public final class LoopbackDnsServer implements AutoCloseable {
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final Set<Name> dropped = ConcurrentHashMap.newKeySet();
    private final Map<Name, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private DatagramSocket udp;
    private ServerSocket tcp;
    private volatile boolean running;

    /** Starts on a free port of 127.0.0.1 (the same number for UDP and TCP). */
    public static LoopbackDnsServer start() throws IOException {
        LoopbackDnsServer s = new LoopbackDnsServer();
        s.open();
        return s;
    }

    private void open() throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        for (int tries = 0; ; tries++) {
            udp = new DatagramSocket(new InetSocketAddress(lo, 0));
            try {
                tcp = new ServerSocket();
                tcp.bind(new InetSocketAddress(lo, udp.getLocalPort()));
                break;
            } catch (IOException e) {
                udp.close();
                if (tries > 20) {
                    throw e;
                }
            }
        }
        running = true;
        spawn("dns-udp", this::udpLoop);
        spawn("dns-tcp", this::tcpLoop);
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** "127.0.0.1:port", the form resolver configurations take. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /**
     * Adds a record in zone-file form, e.g. {@code add("example.test", Type.MX, "10 mx1.example.test.", 300)}.
     * Relative names in rdata are taken relative to the root.
     */
    public LoopbackDnsServer add(String name, int type, String rdata, long ttl) {
        try {
            Name n = Name.fromString(absolute(name));
            Record r = Record.fromString(n, type, DClass.IN, ttl, rdata, Name.root);
            records.computeIfAbsent(n, k -> new CopyOnWriteArrayList<>()).add(r);
            return this;
        } catch (IOException e) {
            throw new IllegalArgumentException("bad record " + name + " " + Type.string(type) + " " + rdata, e);
        }
    }

    /** Removes every record of a name. */
    public LoopbackDnsServer remove(String name) {
        records.remove(name(name));
        return this;
    }

    /** Questions about this name are answered SERVFAIL. */
    public LoopbackDnsServer servfail(String name) {
        servfail.add(name(name));
        return this;
    }

    /** Questions about this name are never answered. */
    public LoopbackDnsServer drop(String name) {
        dropped.add(name(name));
        return this;
    }

    /** How many questions about this name arrived (any type). */
    public int queries(String name) {
        AtomicInteger n = queries.get(name(name));
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        running = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.forEach(Thread::interrupt);
    }

    private static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static Name name(String name) {
        try {
            return Name.fromString(absolute(name));
        } catch (TextParseException e) {
            throw new IllegalArgumentException(name, e);
        }
    }

    private void spawn(String threadName, Runnable r) {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (running) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] answer = answer(java.util.Arrays.copyOf(p.getData(), p.getLength()), 512);
                if (answer != null) {
                    udp.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void tcpLoop() {
        while (running) {
            try {
                Socket s = tcp.accept();
                spawn("dns-tcp-conn", () -> serveTcp(s));
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void serveTcp(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (true) {
                int len = in.readUnsignedShort();
                byte[] q = new byte[len];
                in.readFully(q);
                byte[] answer = answer(q, 65535);
                if (answer != null) {
                    out.writeShort(answer.length);
                    out.write(answer);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // connection ends
        }
    }

    private byte[] answer(byte[] query, int maxLength) throws IOException {
        Message q = new Message(query);
        Record question = q.getQuestion();
        if (question == null) {
            return null;
        }
        Name qname = question.getName();
        queries.computeIfAbsent(qname, k -> new AtomicInteger()).incrementAndGet();
        if (dropped.contains(qname)) {
            return null;
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.addRecord(question, Section.QUESTION);
        if (servfail.contains(qname)) {
            r.getHeader().setRcode(Rcode.SERVFAIL);
            return r.toWire(maxLength);
        }
        Name current = qname;
        List<Name> seen = new ArrayList<>();
        while (true) {
            List<Record> rs = records.get(current);
            if (rs == null) {
                if (current.equals(qname)) {
                    r.getHeader().setRcode(Rcode.NXDOMAIN);
                }
                break;
            }
            List<Record> cnames = rs.stream().filter(x -> x.getType() == Type.CNAME).toList();
            if (!cnames.isEmpty() && question.getType() != Type.CNAME) {
                r.addRecord(cnames.get(0), Section.ANSWER);
                seen.add(current);
                current = ((CNAMERecord) cnames.get(0)).getTarget();
                if (current == null || seen.contains(current)) {
                    break;
                }
                continue;
            }
            for (Record rec : rs) {
                if (rec.getType() == question.getType() || question.getType() == Type.ANY) {
                    r.addRecord(rec, Section.ANSWER);
                }
            }
            break;
        }
        return r.toWire(maxLength);
    }
}
