package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class AutoReplyDetectorTest {
    private static boolean autoReply(Map<String, String> headers, boolean nullSender) {
        return AutoReplyDetector.isAutoReply(name -> headers.entrySet().stream()
            .filter(entry -> entry.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList(), nullSender);
    }

    @Test
    void personalMailIsNotAnAutoReply() {
        assertThat(autoReply(Map.of("Subject", "Help", "Auto-Submitted", "no"), false)).isFalse();
        assertThat(autoReply(Map.of("Precedence", "first-class"), false)).isFalse();
    }

    @Test
    void machineMailIsRecognised() {
        assertThat(autoReply(Map.of("Auto-Submitted", "auto-replied"), false)).isTrue();
        assertThat(autoReply(Map.of("auto-submitted", "Auto-Generated; owner-email=\"x@y\""), false)).isTrue();
        assertThat(autoReply(Map.of("X-Autoreply", "yes"), false)).isTrue();
        assertThat(autoReply(Map.of("X-Autorespond", "vacation"), false)).isTrue();
        assertThat(autoReply(Map.of("X-Auto-Response-Suppress", "All"), false)).isTrue();
        for (String precedence : List.of("bulk", "junk", "list", "Bulk")) {
            assertThat(autoReply(Map.of("Precedence", precedence), false)).as(precedence).isTrue();
        }
        assertThat(autoReply(Map.of(), true)).as("null sender").isTrue();
    }
}
