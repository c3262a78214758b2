package org.karavel.admin.internal;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import com.github.mustachejava.reflect.MapObjectHandler;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * How the parts of an injected message are filled in for each recipient: Mustache (mustache.java,
 * the default) or static (the text as given). KumoMTA's {@code template_dialect} has the same role.
 */
enum TemplateDialect {
    MUSTACHE,
    STATIC;

    /** A compiled part: rendered once per recipient with its scopes (the last one is searched first). */
    interface Template {
        String render(List<Object> scopes);
    }

    // Values are looked up in maps only (MapObjectHandler: no reflection on the data), and a partial
    // ({{> name}}) finds nothing: a request cannot make the server read a file or call a method.
    private static final Factory PLAIN = new Factory(false);
    private static final Factory HTML = new Factory(true);

    static TemplateDialect of(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("template_dialect: must be \"mustache\" or \"static\", not \"" + text + "\"");
        }
    }

    /**
     * Compiles one part; {@code html} escapes substituted values for HTML ({@code {{{x}}}} does not).
     * A template that does not compile is a 400 naming the field.
     */
    Template compile(String field, String text, boolean html) {
        if (this == STATIC) {
            return scopes -> text;
        }
        Mustache mustache;
        try {
            mustache = (html ? HTML : PLAIN).compile(new StringReader(text), field);
        } catch (MustacheException e) {
            throw ApiError.badRequest(field + ": not a valid Mustache template: " + firstLine(e.getMessage()));
        }
        return scopes -> {
            StringWriter out = new StringWriter(text.length() + 64);
            try {
                mustache.execute(out, scopes).flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** mustache.java's factory without partials, with map-only lookups, escaping HTML or not at all. */
    private static final class Factory extends DefaultMustacheFactory {
        private final boolean html;

        Factory(boolean html) {
            super(name -> null);
            this.html = html;
            setObjectHandler(new MapObjectHandler());
        }

        @Override
        public void encode(String value, Writer writer) {
            if (html) {
                super.encode(value, writer);
                return;
            }
            try {
                writer.write(value);
            } catch (IOException e) {
                throw new MustacheException("cannot write", e);
            }
        }
    }
}
