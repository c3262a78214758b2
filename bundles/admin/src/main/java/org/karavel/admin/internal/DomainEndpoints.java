package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DeliveryControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /api/v1/domains/...}: recipient domains whose delivery the operator suspended, suspend and resume. */
final class DomainEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(DomainEndpoints.class);

    private final AdminServices services;

    DomainEndpoints(AdminServices services) {
        this.services = services;
    }

    Map<String, Object> suspended() {
        return Map.of("domains", new ArrayList<>(new TreeSet<>(control().suspendedDomains())));
    }

    Map<String, Object> suspend(AdminRequest r, String domainText) {
        String domain = domain(domainText);
        DeliveryControl control = control();
        boolean already = control.suspendedDomains().contains(domain);
        control.suspend(domain);
        if (!already) {
            LOG.info("admin: delivery to {} suspended by {} from [{}]", domain, r.who(), r.clientIp());
        }
        return Map.of("domain", domain, "suspended", true);
    }

    Map<String, Object> resume(AdminRequest r, String domainText) {
        String domain = domain(domainText);
        if (!control().resume(domain)) {
            throw new ApiError(409, "not_suspended", "delivery to " + domain + " is not suspended");
        }
        LOG.info("admin: delivery to {} resumed by {} from [{}]", domain, r.who(), r.clientIp());
        return Map.of("domain", domain, "suspended", false);
    }

    private DeliveryControl control() {
        return services.availableDeliveryControl();
    }

    /** A domain name as given in a path or query, lower case, trailing dot dropped; 400 for anything else. */
    static String domain(String text) {
        String d = text.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            MailAddress a = MailAddress.parse("postmaster@" + d);
            if (a.isAddressLiteral()) {
                throw ApiError.badRequest("not a domain name: " + text);
            }
            return a.domainKey();
        } catch (AddressSyntaxException e) {
            throw ApiError.badRequest("not a domain name: " + text);
        }
    }
}
