package org.karavel.api.greylist;

import java.util.Map;

/**
 * Figures of the greylist.
 *
 * @param entries triplets in the database
 * @param passedEntries of those, the ones whose mail passes
 * @param autoWhitelistedClients client networks that passed often enough to skip greylisting
 * @param allowedNetworks client networks an operator allowed
 * @param deferred RCPTs deferred since the bundle started
 * @param passed RCPTs passed since the bundle started, by reason (retry, whitelist, pass_list, authenticated)
 */
public record GreylistStats(
        long entries,
        long passedEntries,
        long autoWhitelistedClients,
        long allowedNetworks,
        long deferred,
        Map<String, Long> passed) {
    public GreylistStats {
        passed = Map.copyOf(passed);
    }
}
