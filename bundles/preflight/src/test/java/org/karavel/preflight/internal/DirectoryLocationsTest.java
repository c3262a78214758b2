package org.karavel.preflight.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class DirectoryLocationsTest {
    private static final UnaryOperator<String> KARAF = Map.of(
            "karaf.data", "/var/lib/karavel",
            "karaf.etc", "/etc/karavel",
            "karaf.log", "/var/log/karavel",
            "karavel.secrets", "/etc/karavel/secrets")::get;

    @Test
    void spoolDefaultsToKarafDataLikeTheSpoolBundle() {
        assertThat(DirectoryLocations.spool(null, KARAF)).isEqualTo(Path.of("/var/lib/karavel/spool"));
        assertThat(DirectoryLocations.spool("", KARAF)).isEqualTo(Path.of("/var/lib/karavel/spool"));
        assertThat(DirectoryLocations.spool("", name -> null)).isEqualTo(Path.of("data/spool"));
    }

    @Test
    void configuredSpoolWinsAndMayUseKarafData() {
        assertThat(DirectoryLocations.spool("/var/spool/karavel", KARAF)).isEqualTo(Path.of("/var/spool/karavel"));
        assertThat(DirectoryLocations.spool("${karaf.data}/q", KARAF)).isEqualTo(Path.of("/var/lib/karavel/q"));
    }

    @Test
    void logDirectoryIsKarafLog() {
        assertThat(DirectoryLocations.log(KARAF)).hasValue(Path.of("/var/log/karavel"));
        assertThat(DirectoryLocations.log(name -> null)).isEmpty();
    }

    @Test
    void dkimDefaultsToKarafEtcAndExpandsPlaceholders() {
        assertThat(DirectoryLocations.dkim("", KARAF)).hasValue(Path.of("/etc/karavel/dkim"));
        assertThat(DirectoryLocations.dkim(DirectoryLocations.DEFAULT_DKIM_DIRECTORY, KARAF))
                .hasValue(Path.of("/etc/karavel/dkim"));
        assertThat(DirectoryLocations.dkim("/srv/keys", KARAF)).hasValue(Path.of("/srv/keys"));
        assertThat(DirectoryLocations.dkim("${karaf.etc}/dkim", name -> null)).isEmpty();
    }

    @Test
    void componentWatchesSpoolLogAndDkim() {
        List<WatchedDirectory> watched = PreflightComponent.watchedDirectories("/var/spool/karavel", "", KARAF);

        assertThat(watched)
                .containsExactly(
                        new WatchedDirectory("spool", Path.of("/var/spool/karavel")),
                        new WatchedDirectory("log", Path.of("/var/log/karavel")),
                        new WatchedDirectory("DKIM key", Path.of("/etc/karavel/dkim")),
                        new WatchedDirectory("secrets", Path.of("/etc/karavel/secrets")));
    }

    @Test
    void secretsAreTheCredentialsDirectoryThenTheSecretsDirectory() {
        UnaryOperator<String> systemd = Map.of(
                "karavel.credentials",
                "/run/credentials/karavel.service,",
                "karavel.secrets",
                "/etc/karavel/secrets , /srv/more-secrets")::get;

        assertThat(DirectoryLocations.secrets(systemd))
                .containsExactly(
                        Path.of("/run/credentials/karavel.service"),
                        Path.of("/etc/karavel/secrets"),
                        Path.of("/srv/more-secrets"));
        assertThat(DirectoryLocations.secrets(name -> null)).isEmpty();
    }
}
