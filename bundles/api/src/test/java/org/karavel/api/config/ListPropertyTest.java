package org.karavel.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ListPropertyTest {
    @Test
    void entriesAreSeparatedByCommasAndWhiteSpaceAcrossValues() {
        assertThat(ListProperty.entries("a.example, b.example", " c.example\td.example ,", "a.example"))
                .containsExactly("a.example", "b.example", "c.example", "d.example", "a.example");
    }

    @Test
    void emptyEntriesAndNullValuesGiveNothing() {
        assertThat(ListProperty.entries((String[]) null)).isEmpty();
        assertThat(ListProperty.entries((String) null)).isEmpty();
        assertThat(ListProperty.entries("", " ", ",, ,", "\n")).isEmpty();
        assertThat(ListProperty.entries(",x,,y,")).containsExactly("x", "y");
    }

    @Test
    void anEntryKeepsItsCase() {
        assertThat(ListProperty.entries("Example.COM")).containsExactly("Example.COM");
    }
}
