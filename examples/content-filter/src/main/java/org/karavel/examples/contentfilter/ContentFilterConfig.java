package org.karavel.examples.contentfilter;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.examples.contentfilter} (file
 * {@code etc/org.karavel.examples.contentfilter.cfg}). A double underscore in a method name is a
 * single underscore in the key: {@code subject__patterns} is {@code subject_patterns}.
 */
@ObjectClassDefinition(
        id = "org.karavel.examples.contentfilter",
        name = "Karavel example content filter",
        description = "Refuses mail by Subject or body pattern and mail carrying executable attachments")
public @interface ContentFilterConfig {
    @AttributeDefinition(
            name = "Subject patterns",
            description = "Java regular expressions, matched case-insensitively anywhere in the Subject field",
            required = false)
    String[] subject__patterns() default {};

    @AttributeDefinition(
            name = "Body patterns",
            description = "Java regular expressions, matched case-insensitively against each line of the message",
            required = false)
    String[] body__patterns() default {};

    @AttributeDefinition(
            name = "Blocked attachment extensions",
            description = "File name extensions refused in a MIME part's name or filename parameter")
    String[] blocked__extensions() default {
        "exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "cpl", "msi", "jar",
        "ps1", "lnk"
    };

    @AttributeDefinition(name = "Scan limit", description = "Octets of each message scanned at most")
    long max__scan__bytes() default 10L * 1024 * 1024;

    @AttributeDefinition(name = "Reply text", description = "The text of the 554 5.7.1 reply; the rule is appended")
    String reply__text() default "Message content rejected by policy";

    @AttributeDefinition(name = "Listeners", description = "Listener names to filter; empty for all")
    String[] listeners() default {};
}
