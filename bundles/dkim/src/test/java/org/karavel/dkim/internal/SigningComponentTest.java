package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SigningComponentTest {
    @Test
    void signDomainsAreSplitAsACfgFileGivesThemAndLowerCased() {
        // sign_domains = A.example, b.example  (one string from a .cfg file), or an array
        assertThat(SigningComponent.signDomains(new String[] {"A.example, b.example  c.example", "", "d.example"}))
                .containsExactlyInAnyOrder("a.example", "b.example", "c.example", "d.example");
        assertThat(SigningComponent.signDomains(new String[] {""})).isEmpty();
    }
}
