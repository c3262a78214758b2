package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendering: Mustache lookups and escaping, header lines that stay lines, the MIME text parts. */
class MessageTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static List<Object> scopes(Map<String, Object> global, Map<String, Object> own) {
        return List.of(global, own);
    }

    @Test
    void aRecipientsOwnValueWinsOverTheRequestsAndAMissingOneIsEmpty() {
        TemplateDialect.Template t =
                TemplateDialect.MUSTACHE.compile("text", "{{greeting}} {{name}}{{missing}}!", false);

        assertThat(t.render(scopes(Map.of("greeting", "Hi", "name", "all"), Map.of("name", "Ann"))))
                .isEqualTo("Hi Ann!");
        assertThat(t.render(scopes(Map.of("greeting", "Hi", "name", "all"), Map.of())))
                .isEqualTo("Hi all!");
    }

    @Test
    void htmlIsEscapedOnlyInTheHtmlPartAndTripleBracesLeaveItAsIs() {
        Map<String, Object> values = Map.of("name", "<b>Ann & Bob</b>");
        assertThat(TemplateDialect.MUSTACHE
                        .compile("html", "<p>{{name}}</p>", true)
                        .render(scopes(Map.of(), values)))
                .isEqualTo("<p>&lt;b&gt;Ann &amp; Bob&lt;/b&gt;</p>");
        assertThat(TemplateDialect.MUSTACHE.compile("html", "{{{name}}}", true).render(scopes(Map.of(), values)))
                .isEqualTo("<b>Ann & Bob</b>");
        assertThat(TemplateDialect.MUSTACHE.compile("text", "{{name}}", false).render(scopes(Map.of(), values)))
                .isEqualTo("<b>Ann & Bob</b>");
    }

    @Test
    void sectionsIterateListsAndFollowBooleansAndDotsReachIntoObjects() throws Exception {
        Map<String, Object> values = InjectionRequest.substitutions(
                json("{\"items\":[{\"n\":\"a\"},{\"n\":\"b\"}],\"vip\":false,\"member\":true,"
                        + "\"account\":{\"id\":42}}"),
                "substitutions");
        TemplateDialect.Template t = TemplateDialect.MUSTACHE.compile(
                "text", "{{#items}}[{{n}}]{{/items}}{{#vip}}VIP{{/vip}}{{#member}}M{{/member}} {{account.id}}", false);

        assertThat(t.render(scopes(Map.of(), values))).isEqualTo("[a][b]M 42");
    }

    @Test
    void theDataIsLookedUpInMapsOnlyNeverByReflectionAndPartialsFindNothing() {
        TemplateDialect.Template t =
                TemplateDialect.MUSTACHE.compile("text", "{{name.class}}|{{name.bytes}}|{{name.length}}", false);
        assertThat(t.render(scopes(Map.of(), Map.of("name", "Ann")))).isEqualTo("||");

        assertThatThrownBy(() -> TemplateDialect.MUSTACHE.compile("text", "{{> /etc/passwd}}", false))
                .isInstanceOf(ApiError.class)
                .hasMessageStartingWith("text: not a valid Mustache template");
    }

    @Test
    void aTemplateThatDoesNotCompileIs400NamingTheField() {
        assertThatThrownBy(() -> TemplateDialect.MUSTACHE.compile("headers.X-Campaign", "{{#open}}no close", false))
                .isInstanceOf(ApiError.class)
                .hasMessageStartingWith("headers.X-Campaign: not a valid Mustache template")
                .extracting(e -> ((ApiError) e).status())
                .isEqualTo(400);
        assertThatThrownBy(() -> TemplateDialect.of("jinja"))
                .isInstanceOf(ApiError.class)
                .hasMessageStartingWith("template_dialect:");
    }

    @Test
    void twoTemplatesCompiledUnderOneFieldNameStayApart() {
        TemplateDialect.Template first = TemplateDialect.MUSTACHE.compile("subject", "one {{x}}", false);
        TemplateDialect.Template second = TemplateDialect.MUSTACHE.compile("subject", "two {{x}}", false);

        assertThat(first.render(scopes(Map.of("x", "1"), Map.of()))).isEqualTo("one 1");
        assertThat(second.render(scopes(Map.of("x", "2"), Map.of()))).isEqualTo("two 2");
    }

    @Test
    void theStaticDialectSendsTheTextAsGiven() {
        assertThat(TemplateDialect.of("static")
                        .compile("text", "{{name}}", true)
                        .render(scopes(Map.of(), Map.of())))
                .isEqualTo("{{name}}");
    }

    @Test
    void aSubstitutionWithALineBreakInAHeaderIsRefusedNamingTheRecipientAndField() throws Exception {
        MessageTemplate t = MessageTemplate.of(
                json("{\"subject\":\"Hello {{name}}\",\"headers\":{\"X-Tag\":\"{{tag}}\"},\"text\":\"t\"}"),
                TemplateDialect.MUSTACHE);

        assertThat(t.header(scopes(Map.of("tag", "a"), Map.of("name", "Ann")), "recipients[0]"))
                .containsExactly("Subject: Hello Ann", "X-Tag: a");
        assertThatThrownBy(() ->
                        t.header(scopes(Map.of(), Map.of("name", "Ann\r\nBcc: evil@x.example")), "recipients[17]"))
                .isInstanceOf(ApiError.class)
                .hasMessage(
                        "recipients[17].substitutions: would put a line break into subject (header values are one line)");
        assertThatThrownBy(() -> t.header(scopes(Map.of("tag", "a\nb"), Map.of()), "recipients[3]"))
                .isInstanceOf(ApiError.class)
                .hasMessageContaining("recipients[3]")
                .hasMessageContaining("headers.X-Tag");
        assertThatThrownBy(() -> t.header(scopes(Map.of("tag", "a\u0000b"), Map.of()), "recipients[4]"))
                .isInstanceOf(ApiError.class)
                .hasMessageContaining("control character into headers.X-Tag");
    }

    @Test
    void aNonAsciiHeaderValueBecomesEncodedWords() throws Exception {
        MessageTemplate t =
                MessageTemplate.of(json("{\"subject\":\"Grüße {{name}}\",\"text\":\"t\"}"), TemplateDialect.MUSTACHE);

        assertThat(t.header(scopes(Map.of(), Map.of("name", "Zoë")), "recipients[0]"))
                .containsExactly("Subject: =?utf-8?B?R3LDvMOfZSBab8Or?=");
    }

    @Test
    void fieldsKaravelWritesItselfOrMalformedOnesAreRefusedInHeaders() {
        assertThatThrownBy(() -> MessageTemplate.of(
                        json("{\"headers\":{\"Content-Type\":\"text/x\"},\"text\":\"t\"}"), TemplateDialect.MUSTACHE))
                .hasMessageStartingWith("headers.Content-Type: Karavel writes this field itself");
        assertThatThrownBy(() -> MessageTemplate.of(
                        json("{\"headers\":{\"Bad Name\":\"x\"},\"text\":\"t\"}"), TemplateDialect.MUSTACHE))
                .hasMessageStartingWith("headers.Bad Name: not a header field name");
        assertThatThrownBy(() -> MessageTemplate.of(
                        json("{\"headers\":{\"X-A\":\"a\\nb\"},\"text\":\"t\"}"), TemplateDialect.MUSTACHE))
                .hasMessage("headers.X-A: must be one line");
        assertThatThrownBy(() -> MessageTemplate.of(json("{\"subject\":\"s\"}"), TemplateDialect.MUSTACHE))
                .hasMessageStartingWith("text: required");
        assertThatThrownBy(() -> MessageTemplate.of(
                        json("{\"content\":\"Subject: a\\n\\nb\",\"text\":\"t\"}"), TemplateDialect.MUSTACHE))
                .hasMessageStartingWith("text: give either content");
    }

    @Test
    void textAndHtmlMakeAMultipartAlternativeWithEscapingOnlyInTheHtmlPart() throws Exception {
        MessageTemplate t = MessageTemplate.of(
                json("{\"text\":\"Hi {{name}}\",\"html\":\"<p>Hi {{name}}</p>\"}"), TemplateDialect.MUSTACHE);

        String rest = t.rest(scopes(Map.of(), Map.of("name", "A&B")), "SEED");

        assertThat(rest)
                .isEqualTo("MIME-Version: 1.0\r\n"
                        + "Content-Type: multipart/alternative; boundary=\"=_karavel_alt_SEED\"\r\n\r\n"
                        + "--=_karavel_alt_SEED\r\n"
                        + "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                        + "Hi A&B\r\n"
                        + "\r\n--=_karavel_alt_SEED\r\n"
                        + "Content-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                        + "<p>Hi A&amp;B</p>\r\n"
                        + "\r\n--=_karavel_alt_SEED--\r\n");
    }

    @Test
    void nonAsciiOrLongLinesGoQuotedPrintableSoNoLinePasses998Octets() {
        StringBuilder plain = new StringBuilder();
        MimeText.part(plain, "text/plain", "short\nlines\n");
        assertThat(plain.toString())
                .isEqualTo(
                        "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nshort\r\nlines\r\n");

        StringBuilder utf8 = new StringBuilder();
        MimeText.part(utf8, "text/plain", "Grüße\r\nline two ");
        assertThat(utf8.toString())
                .isEqualTo(
                        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                                + "Gr=C3=BC=C3=9Fe\r\nline two=20\r\n");

        StringBuilder longLine = new StringBuilder();
        MimeText.part(longLine, "text/html", "x".repeat(2000));
        assertThat(longLine.toString()).contains("quoted-printable");
        for (String line : longLine.toString().split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(76);
        }
    }

    @Test
    void inContentEachHeaderLineIsItsOwnTemplateAndMustStayAField() throws Exception {
        MessageTemplate t = MessageTemplate.of(
                json("{\"content\":\"Subject: Hi {{name}}\\nX-A: 1\\n continued\\n\\nDear {{name}},\\nbye\"}"),
                TemplateDialect.MUSTACHE);

        assertThat(t.raw()).isTrue();
        assertThat(t.header(scopes(Map.of(), Map.of("name", "Ann")), "recipients[0]"))
                .containsExactly("Subject: Hi Ann", "X-A: 1", " continued");
        assertThat(t.rest(scopes(Map.of(), Map.of("name", "<Ann>")), "ID")).isEqualTo("\r\nDear <Ann>,\r\nbye\r\n");
        assertThatThrownBy(() -> t.header(scopes(Map.of(), Map.of("name", "x\nBcc: e@x.example")), "recipients[2]"))
                .hasMessage("recipients[2].substitutions: would put a line break into content (header line 1)");

        MessageTemplate named =
                MessageTemplate.of(json("{\"content\":\"{{h}}: v\\n\\nbody\"}"), TemplateDialect.MUSTACHE);
        assertThatThrownBy(() -> named.header(scopes(Map.of(), Map.of("h", "")), "recipients[5]"))
                .hasMessage("recipients[5].substitutions: content (header line 1) is no header field once filled in");
        assertThatThrownBy(() ->
                        MessageTemplate.of(json("{\"content\":\"no header\\n\\nbody\"}"), TemplateDialect.MUSTACHE))
                .hasMessageStartingWith("content: header line 1 is not a header field");
    }
}
