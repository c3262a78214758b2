package org.karavel.rspamd.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What Rspamd said about one message: the JSON of {@code /checkv2} reduced to what the filter uses.
 *
 * @param action Rspamd's action, lower case ({@code no action}, {@code greylist}, {@code add header},
 *     {@code rewrite subject}, {@code soft reject}, {@code reject})
 * @param symbols the symbols that matched, highest score first
 * @param smtpMessage the reply text Rspamd proposes ({@code messages.smtp_message}), if any
 * @param subject the rewritten Subject for {@code rewrite subject}, if any
 */
record RspamdAnswer(
        String action,
        double score,
        double requiredScore,
        List<Symbol> symbols,
        Optional<String> smtpMessage,
        Optional<String> subject) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One matched rule and its contribution to the score. */
    record Symbol(String name, double score) {}

    RspamdAnswer {
        symbols = List.copyOf(symbols);
    }

    /**
     * Reads Rspamd's answer.
     *
     * @throws IllegalArgumentException when it is not the JSON of {@code /checkv2} (no action, no score)
     */
    static RspamdAnswer parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (root.hasNonNull("error")) {
            throw new IllegalArgumentException(
                    "Rspamd error: " + root.get("error").asText());
        }
        JsonNode action = root.get("action");
        JsonNode score = root.get("score");
        if (action == null || !action.isTextual() || score == null || !score.isNumber()) {
            throw new IllegalArgumentException("no action or score");
        }
        JsonNode required = root.get("required_score");
        return new RspamdAnswer(
                action.asText().trim().toLowerCase(Locale.ROOT),
                score.asDouble(),
                required != null && required.isNumber() ? required.asDouble() : Double.NaN,
                symbols(root.get("symbols")),
                text(root.path("messages").get("smtp_message")),
                text(root.get("subject")));
    }

    private static List<Symbol> symbols(JsonNode node) {
        List<Symbol> out = new ArrayList<>();
        if (node != null && node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(new Symbol(e.getKey(), e.getValue().path("score").asDouble(0)));
            }
        }
        out.sort(Comparator.comparingDouble(Symbol::score).reversed().thenComparing(Symbol::name));
        return out;
    }

    private static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank()
                ? Optional.of(node.asText())
                : Optional.empty();
    }

    /** Whether Rspamd calls the message spam: the actions that mark or refuse it. */
    boolean spam() {
        return switch (action) {
            case "reject", "add header", "rewrite subject", "discard", "quarantine" -> true;
            default -> false;
        };
    }
}
