package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DeliveryAccountTest {

    @Test
    void everyAcknowledgedMessagePostedOnceIsNeitherLostNorRepeated() {
        DeliveryAccount account = DeliveryAccount.of(List.of("a", "b"), List.of(), Map.of("a", List.of("id-a"), "b", List.of("id-b")));

        assertThat(account).isEqualTo(new DeliveryAccount(2, 2, 0, 0, 0, 0, 0, 0, List.of()));
    }

    @Test
    void anAcknowledgedMessageNeverPostedIsLost() {
        DeliveryAccount account = DeliveryAccount.of(List.of("a", "b", "c"), List.of(), Map.of("b", List.of("id-b")));

        assertThat(account.acknowledged()).isEqualTo(3);
        assertThat(account.delivered()).isEqualTo(1);
        assertThat(account.lost()).isEqualTo(2);
        assertThat(account.lostTokens()).containsExactly("a", "c");
    }

    @Test
    void aMessagePostedAgainAfterAKillIsARepeatNotALoss() {
        DeliveryAccount account = DeliveryAccount.of(List.of("a", "b"), List.of(),
            Map.of("a", List.of("id-a", "id-a", "id-a"), "b", List.of("id-b", "id-b2")));

        assertThat(account.delivered()).isEqualTo(2);
        assertThat(account.lost()).isZero();
        assertThat(account.repeated()).isEqualTo(2);
        assertThat(account.extraPosts()).isEqualTo(3);
        // b came back under another X-Helpdesk-Id: the app could not tell it is the same message
        assertThat(account.repeatedUnderAnotherId()).isEqualTo(1);
    }

    @Test
    void aFailedSendTheServerKeptIsDeliveredWithoutAcknowledgementAndNotCountedAsAcknowledged() {
        DeliveryAccount account = DeliveryAccount.of(List.of("a"), List.of("broken", "refused"),
            Map.of("a", List.of("id-a"), "broken", List.of("id-x"), "stray", List.of("id-s")));

        assertThat(account.acknowledged()).isEqualTo(1);
        assertThat(account.delivered()).isEqualTo(3);
        assertThat(account.deliveredUnacknowledged()).isEqualTo(1);
        assertThat(account.unexpected()).isEqualTo(1);
        assertThat(account.lost()).isZero();
    }

    @Test
    void aTokenWithAnEmptyListOfPostsIsNotDelivered() {
        DeliveryAccount account = DeliveryAccount.of(List.of("a"), List.of(), Map.of("a", List.of()));

        assertThat(account.delivered()).isZero();
        assertThat(account.lost()).isEqualTo(1);
    }
}
