package org.karavel.spool.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of PID {@code org.karavel.spool}; a double underscore in a method name is one underscore in the key. */
@ObjectClassDefinition(name = "Karavel spool", description = "The durable message queue")
public @interface SpoolConfig {
    @AttributeDefinition(
            name = "Directory",
            description = "Where the spool lives; empty means ${karaf.data}/spool (data/spool without karaf.data)")
    String directory() default "";

    @AttributeDefinition(
            name = "Inline threshold (bytes)",
            description = "Bodies up to this size are stored in MapDB, larger ones in their own file under bodies/")
    int inline__threshold__bytes() default SpoolSettings.DEFAULT_INLINE_THRESHOLD;

    @AttributeDefinition(name = "Changes per commit", description = "The most changes one group commit applies")
    int max__batch() default SpoolSettings.DEFAULT_MAX_BATCH;

    @AttributeDefinition(
            name = "Maximum spool size (bytes)",
            description = "Content octets the spool may hold; 0 for no limit. When full, new mail gets 452")
    long max__spool__bytes() default 0;

    @AttributeDefinition(
            name = "Minimum free disk (bytes)",
            description = "Below this much free space on the spool's file system, new mail gets 452")
    long min__free__disk__bytes() default SpoolSettings.DEFAULT_MIN_FREE_DISK;

    @AttributeDefinition(
            name = "Draft memory (bytes)",
            description = "Content a message being received keeps in the heap before it is written to its body file")
    int draft__memory__bytes() default SpoolSettings.DEFAULT_DRAFT_MEMORY;

    @AttributeDefinition(
            name = "Recent content (bytes)",
            description =
                    "Inline content of the most recently queued messages kept in the heap, so that delivery reads it without a database lookup; 0 turns this off")
    long recent__content__bytes() default SpoolSettings.DEFAULT_RECENT_CONTENT;

    @AttributeDefinition(
            name = "Emergency reserve (bytes)",
            description =
                    "Size of spool.reserve, a file of zeros deleted when the file system is full so that delivered mail can still be removed; 0 for none")
    long emergency__reserve__bytes() default SpoolSettings.DEFAULT_EMERGENCY_RESERVE;
}
