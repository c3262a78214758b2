package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.greylist.Greylist;

/**
 * {@code mta:greylist-allow}: lets a triplet through at once, or, without sender and recipient, every
 * mail from a client address or network.
 */
@Command(
        scope = "mta",
        name = "greylist-allow",
        description = "Lets mail through the greylist without delay: one triplet, or (without sender and recipient) "
                + "a whole client address or CIDR network")
@Service
public class GreylistAllowCommand implements Action {
    @Reference(optional = true)
    Greylist greylist;

    @Argument(index = 0, name = "client", description = "Client IP address or CIDR network", required = true)
    String client;

    @Argument(index = 1, name = "sender", description = "Envelope sender (<> for the null sender)", required = false)
    String sender;

    @Argument(index = 2, name = "recipient", description = "Envelope recipient", required = false)
    String recipient;

    @Override
    public Object execute() {
        if (greylist == null) {
            System.err.println("The greylist bundle (org.karavel.greylist) is not running.");
            return null;
        }
        if ((sender == null) != (recipient == null)) {
            System.err.println("Give both sender and recipient, or neither to allow the whole client network.");
            return null;
        }
        try {
            greylist.allow(client, sender, recipient);
        } catch (IllegalArgumentException ex) {
            System.err.println(ex.getMessage());
            return null;
        }
        System.out.println(
                sender == null
                        ? "Allowed every mail from " + client + "."
                        : "Allowed " + client + " " + sender + " -> " + recipient + ".");
        return null;
    }
}
