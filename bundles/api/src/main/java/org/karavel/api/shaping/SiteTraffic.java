package org.karavel.api.shaping;

import java.util.Map;

/**
 * What delivery is sending to each site now, for the shell's {@code mta:shaping} and the admin
 * API's {@code GET /api/v1/shaping}. Published by the delivery bundle; answers from memory.
 */
public interface SiteTraffic {

    /** The sites with open connections or messages sent in the last minute, by name. */
    Map<String, Load> sites();

    /**
     * @param connections connections open to the site now
     * @param sentLastMinute messages (transactions) that went to the site in the last 60 seconds
     */
    record Load(int connections, int sentLastMinute) {}
}
