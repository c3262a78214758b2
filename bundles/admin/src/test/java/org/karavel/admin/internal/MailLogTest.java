package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;

class MailLogTest {
    private static final QueueId ID = new QueueId("3F2A9C1B7D");

    @Test
    void theAdminUserIsNamedAndATrustedClientWithoutTokenIsNot() throws Exception {
        List<String> lines = new ArrayList<>();
        MailLog log = new MailLog(lines::add);

        log.received(ID, MailAddress.parse("ops@a.example"), 120, 2, "127.0.0.1", "ops");
        log.received(ID, MailAddress.parse("ops@a.example"), 120, 2, "127.0.0.1", "");
        log.removed(ID, "::1", "ops");
        log.removed(ID, "::1", "a trusted client");

        assertThat(lines)
                .containsExactly(
                        "3F2A9C1B7D: received from=<ops@a.example> size=120 nrcpt=2 client=[127.0.0.1] user=<ops>"
                                + " listener=admin",
                        "3F2A9C1B7D: received from=<ops@a.example> size=120 nrcpt=2 client=[127.0.0.1] listener=admin",
                        "3F2A9C1B7D: removed by=admin client=[::1] user=<ops>",
                        "3F2A9C1B7D: removed by=admin client=[::1]");
    }
}
