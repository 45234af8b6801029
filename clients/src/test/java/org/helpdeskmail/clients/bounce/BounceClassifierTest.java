package org.helpdeskmail.clients.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BounceClassifierTest {
    @ParameterizedTest(name = "{0} {1} \"{2}\" -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // Status codes that say the address is bad
        "5.1.1  | 550 | <a@example.com>: Recipient address rejected: User unknown         | HARD",
        "5.1.10 | 550 | RESOLVER.ADR.RecipientNotFound; Recipient not found               | HARD",
        "5.1.2  | -   | Sorry, I couldn't find any host named example.invalid. (#5.1.2)     | HARD",
        "5.2.1  | 550 | The email account that you tried to reach is disabled.             | HARD",
        "5.4.4  | -   | Host or domain name not found. Name service error for example.invalid | HARD",
        // Statuses about the message, our sender, the receiving system or policy
        "5.2.2  | 552 | Mailbox full                                                        | SOFT",
        "5.3.4  | 552 | Message size exceeds fixed maximum message size                    | SOFT",
        "5.4.7  | -   | delivery time expired                                              | SOFT",
        "5.1.8  | 553 | <bounces@helpdesk.example>: Sender address rejected: Domain not found | SOFT",
        "5.7.1  | 554 | Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org | SOFT",
        "5.7.1  | 550 | Message rejected as spam by Content Filtering                      | SOFT",
        "5.7.26 | 550 | Unauthenticated email is not accepted due to domain's DMARC policy | SOFT",
        "5.7.1  | 550 | <a@example.com>: Recipient address rejected: Access denied          | SOFT",
        // ... unless the text clearly says the address does not exist
        "5.7.1  | 550 | <a@example.com>: Recipient address rejected: User unknown          | HARD",
        // Generic statuses: the text decides, else the failure is permanent
        "5.4.1  | 550 | Recipient address rejected: Access denied. AS(201806281)           | HARD",
        "5.5.0  | 550 | Requested action not taken: mailbox unavailable                    | HARD",
        "5.0.0  | 550 | mailbox is over quota                                              | SOFT",
        "5.0.0  | 554 | Message rejected due to local policy                               | SOFT",
        "5.0.0  | 550 | -                                                                  | HARD",
        "5.9.9  | 550 | no such user                                                       | HARD",
        // Transient statuses are soft whatever the text says
        "4.2.2  | 452 | Mailbox full                                                       | SOFT",
        "4.1.1  | 450 | <a@example.com>: Recipient address rejected: User unknown          | SOFT",
        // No status: the reply code, then the text
        "-      | 550 | No such user here                                                  | HARD",
        "-      | 554 | Message rejected: spam content                                     | SOFT",
        "-      | 554 | delivery error: dd This user doesn't have a yahoo.com account       | HARD",
        "-      | 552 | -                                                                  | SOFT",
        "-      | 553 | -                                                                  | HARD",
        "-      | 421 | -                                                                  | SOFT",
        "-      | -   | The e-mail address you entered couldn't be found.                  | HARD",
        "-      | -   | The recipient's mailbox is full and can't accept messages now.     | SOFT",
        "-      | -   | Something went wrong.                                              | SOFT",
        "-      | -   | -                                                                  | SOFT",
        // A malformed status is ignored
        "5.1    | 421 | -                                                                  | SOFT",
    })
    void classifies(String status, Integer code, String diagnostic, Classification expected) {
        assertThat(BounceClassifier.classify(Optional.ofNullable(status), Optional.ofNullable(code), diagnostic == null ? "" : diagnostic))
            .isEqualTo(expected);
    }
}
