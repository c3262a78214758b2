package org.karavel.api.recipient;

import java.util.List;
import java.util.Objects;

/**
 * One entry of the virtual alias map: mail for {@code address} ({@code user@domain}, or
 * {@code @domain} for a catch-all) goes to {@code targets} (addresses, or {@code @domain} for "the
 * same local part at that domain").
 */
public record Alias(String address, List<String> targets) {
    public Alias {
        Objects.requireNonNull(address, "address");
        targets = List.copyOf(targets);
    }
}
