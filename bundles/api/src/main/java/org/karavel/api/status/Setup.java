package org.karavel.api.status;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * What the checks compare the world against, gathered once per run by the status bundle.
 *
 * @param hostName the server's name (the MX listener's greeting name), lower case
 * @param localDomains the domains mail is delivered to here, lower case
 * @param publicAddresses the addresses the world reaches the listeners on (MX, A/AAAA)
 * @param sendingAddresses the addresses outbound mail leaves from (SPF, PTR, block lists)
 */
public record Setup(
        String hostName,
        Set<String> localDomains,
        List<InetAddress> publicAddresses,
        List<InetAddress> sendingAddresses) {

    public Setup {
        hostName = hostName == null ? "" : hostName;
        localDomains = Set.copyOf(localDomains);
        publicAddresses = List.copyOf(publicAddresses);
        sendingAddresses = List.copyOf(sendingAddresses);
    }
}
