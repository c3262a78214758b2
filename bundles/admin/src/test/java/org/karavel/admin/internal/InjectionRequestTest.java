package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The request's fields: what is taken, and the 4xx that names each mistake. */
class InjectionRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static InjectionRequest parse(String json) throws Exception {
        return InjectionRequest.parse(JSON.readTree(json), 100);
    }

    private static ApiError refusal(String json) {
        try {
            parse(json);
        } catch (ApiError e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void aFullRequestIsTakenWithItsRecipientsInOrder() throws Exception {
        InjectionRequest r = parse("{\"from\":{\"email\":\"news@a.example\",\"name\":\"A News\"},"
                + "\"envelope_sender\":\"bounces@a.example\",\"subject\":\"s\",\"text\":\"t\","
                + "\"substitutions\":{\"campaign\":\"spring\"},\"template_dialect\":\"Mustache\","
                + "\"deferred_generation\":false,"
                + "\"recipients\":[{\"email\":\"x@b.example\",\"name\":\"X\",\"substitutions\":{\"n\":1}},"
                + "\"y@c.example\"]}");

        assertThat(r.from().toString()).isEqualTo("news@a.example");
        assertThat(r.fromName()).isEqualTo("A News");
        assertThat(r.envelopeSender().toString()).isEqualTo("bounces@a.example");
        assertThat(r.substitutions()).containsEntry("campaign", "spring");
        assertThat(r.recipients()).hasSize(2);
        assertThat(r.recipients().get(0).substitutions()).containsEntry("n", "1");
        assertThat(r.recipients().get(0).name()).isEqualTo("X");
        assertThat(r.recipients().get(1).address().toString()).isEqualTo("y@c.example");
        assertThat(r.recipients().get(1).index()).isEqualTo(1);
    }

    @Test
    void withoutEnvelopeSenderTheFromAddressIsTheSenderAndANullSenderIsAllowedThere() throws Exception {
        assertThat(parse("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[\"x@b.example\"]}")
                        .envelopeSender()
                        .toString())
                .isEqualTo("a@b.example");
        assertThat(parse("{\"from\":\"a@b.example\",\"envelope_sender\":\"<>\",\"text\":\"t\","
                                + "\"recipients\":[\"x@b.example\"]}")
                        .envelopeSender()
                        .isNullSender())
                .isTrue();
        assertThat(refusal("{\"from\":\"<>\",\"text\":\"t\",\"recipients\":[\"x@b.example\"]}")
                        .getMessage())
                .startsWith("from: not an address");
    }

    @Test
    void everyMistakeNamesItsField() {
        String rcpts = "\"recipients\":[\"x@b.example\"]";
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[\"x@b.example\","
                                + "{\"email\":\"x@@b\"}]}")
                        .getMessage())
                .startsWith("recipients[1].email: not an address: x@@b");
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[{\"mail\":\"x@b.example\"}]}")
                        .getMessage())
                .startsWith("recipients[0].mail: unknown field");
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[{\"email\":\"x@b.example\","
                                + "\"substitutions\":[1]}]}")
                        .getMessage())
                .startsWith("recipients[0].substitutions: must be an object");
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[{\"email\":\"x@b.example\","
                                + "\"name\":\"a\\nb\"}]}")
                        .getMessage())
                .startsWith("recipients[0].name: must be one line");
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[]}")
                        .getMessage())
                .startsWith("recipients: required");
        assertThat(refusal("{\"text\":\"t\"," + rcpts + "}").getMessage()).startsWith("from: required");
        assertThat(refusal("{\"from\":\"a@b.example\",\"txt\":\"t\"," + rcpts + "}")
                        .getMessage())
                .startsWith("txt: unknown field");
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":\"t\",\"deferred_generation\":true," + rcpts + "}")
                        .getMessage())
                .startsWith("deferred_generation: only false");
        assertThat(refusal("{\"from\":\"a@b.example\",\"text\":7," + rcpts + "}")
                        .getMessage())
                .isEqualTo("text: must be a string");
        assertThat(refusal("[1,2]").getMessage()).isEqualTo("the body must be a JSON object");
    }

    @Test
    void moreRecipientsThanTheLimitIs413() {
        StringBuilder many = new StringBuilder("{\"from\":\"a@b.example\",\"text\":\"t\",\"recipients\":[");
        for (int i = 0; i < 101; i++) {
            many.append(i == 0 ? "" : ",").append("\"r").append(i).append("@b.example\"");
        }
        ApiError e = refusal(many.append("]}").toString());

        assertThat(e.status()).isEqualTo(413);
        assertThat(e.code()).isEqualTo("too_many_recipients");
        assertThat(e.getMessage()).isEqualTo("recipients: 101 in one call, at most 100 (inject_max_recipients)");
    }

    @Test
    void aJsonSyntaxErrorIsPlacedByItsPath() throws Exception {
        String where = "";
        try {
            JSON.readTree("{\"recipients\":[{\"email\":\"a\"},{\"email\": oops}]}");
        } catch (JsonProcessingException e) {
            where = InjectionEndpoint.path(((JsonParser) e.getProcessor()).getParsingContext());
        }
        assertThat(where).isEqualTo("recipients[1].email");
    }
}
