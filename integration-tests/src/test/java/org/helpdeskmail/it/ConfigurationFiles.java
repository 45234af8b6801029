package org.helpdeskmail.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small, explicit edits tests make to their copy of james-conf/. */
final class ConfigurationFiles {
    private ConfigurationFiles() {
    }

    static void replace(Path conf, String file, String existing, String replacement) {
        Path path = conf.resolve(file);
        try {
            String content = Files.readString(path, StandardCharsets.UTF_8);
            if (!content.contains(existing)) {
                throw new IllegalStateException(file + " does not contain " + existing);
            }
            Files.writeString(path, content.replace(existing, replacement), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** MxDelivery relays everything to the gateway 127.0.0.1:port instead of looking up MX records. */
    static void relayOutboundTo(Path conf, int port) {
        replace(conf, "mailetcontainer.xml", "<port>25</port>", "<port>25</port>\n                <gateway>127.0.0.1:" + port + "</gateway>");
    }

    /** MxDelivery looks up MX records as in production but connects to their hosts on {@code port}. */
    static void remoteSmtpPort(Path conf, int port) {
        replace(conf, "mailetcontainer.xml", "<port>25</port>", "<port>" + port + "</port>");
    }

    /** MxDelivery retries within a second and gives up after maxAge. */
    static void fastDeliveryRetries(Path conf, String maxAge) {
        replace(conf, "mailetcontainer.xml", "<initialDelay>5 minutes</initialDelay>", "<initialDelay>1 second</initialDelay>");
        replace(conf, "mailetcontainer.xml", "<maxDelay>2 hours</maxDelay>", "<maxDelay>2 seconds</maxDelay>");
        replace(conf, "mailetcontainer.xml", "<maxAge>5 days</maxAge>\n                <!-- domain", "<maxAge>" + maxAge + "</maxAge>\n                <!-- domain");
    }

    /** WebhookDelivery retries within seconds instead of minutes, and gives up after maxAge. */
    static void fastWebhookRetries(Path conf, String maxAge) {
        replace(conf, "mailetcontainer.xml", "<initialDelay>1 minute</initialDelay>", "<initialDelay>1 second</initialDelay>");
        replace(conf, "mailetcontainer.xml", "<maxDelay>1 hour</maxDelay>", "<maxDelay>2 seconds</maxDelay>");
        replace(conf, "mailetcontainer.xml", "<maxAge>5 days</maxAge>", "<maxAge>" + maxAge + "</maxAge>");
    }
}
