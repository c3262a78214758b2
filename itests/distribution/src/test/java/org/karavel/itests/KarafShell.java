package org.karavel.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.osgi.framework.BundleContext;

/** Runs a Karaf shell command inside the container as an operator would, and returns what it printed. */
final class KarafShell {
    private KarafShell() {}

    static String run(BundleContext context, String command) {
        return run(context, command, "");
    }

    /** With {@code input} as the command's standard input (e.g. a password for --stdin). */
    static String run(BundleContext context, String command, String input) {
        String[] out = {once(context, command, input)};
        if (out[0].contains(NOT_FOUND)) {
            // a bundle's commands are briefly unregistered while Karaf rebinds them to a new service
            Poll.until(
                    command + " registered",
                    Duration.ofSeconds(30),
                    () -> !(out[0] = once(context, command, input)).contains(NOT_FOUND));
        }
        return out[0];
    }

    private static final String NOT_FOUND = "CommandNotFoundException";

    private static String once(BundleContext context, String command, String input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        SessionFactory factory = context.getService(context.getServiceReference(SessionFactory.class));
        Session session =
                factory.create(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), print, print);
        try {
            Object result = session.execute(command);
            if (result != null) {
                print.println(result);
            }
        } catch (Exception e) {
            print.println("command failed: " + e);
        } finally {
            session.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
