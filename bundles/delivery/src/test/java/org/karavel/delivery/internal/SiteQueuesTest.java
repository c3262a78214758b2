package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * Each site knows its own queues, so that its count of queued jobs and its next turn walk them
 * only, not every destination's: a queue moves with its MX answer and leaves when it is dropped.
 */
class SiteQueuesTest {
    private final ReentrantLock lock = new ReentrantLock();
    private final DestinationQueues queues = new DestinationQueues(
            DeliverySettings.builder().build(),
            lock,
            Clock.systemUTC(),
            new SiteGates(),
            () -> SiteShaping.NONE,
            q -> {});

    private static Destination domain(int i) {
        return new Destination(Destination.Kind.REMOTE, "d" + i + ".test");
    }

    @Test
    void aSiteWalksItsOwnQueuesOnly() {
        lock.lock();
        try {
            for (int i = 0; i < 100; i++) {
                queues.site(queues.queueOf(domain(i)), "site" + (i % 5));
            }
            assertThat(queues.ofSite("site0"))
                    .hasSize(20)
                    .allSatisfy(q -> assertThat(q.site).isEqualTo("site0"));
            assertThat(queues.ofSite("site9")).isEmpty();

            // d0.test's MX answer puts it under site1
            DestinationQueue moved = queues.existing(domain(0));
            queues.site(moved, "site1");
            assertThat(queues.ofSite("site0")).hasSize(19).doesNotContain(moved);
            assertThat(queues.ofSite("site1")).hasSize(21).contains(moved);

            // its last worker ends with nothing queued: the queue is dropped, and its site forgets it
            moved.workers = 1;
            queues.workerEnded(moved, false);
            assertThat(queues.existing(domain(0))).isNull();
            assertThat(queues.ofSite("site1")).hasSize(20).doesNotContain(moved);
        } finally {
            lock.unlock();
        }
    }
}
