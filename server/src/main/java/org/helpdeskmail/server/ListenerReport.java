package org.helpdeskmail.server;

import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/** Logs, once the server is up, where each listener answers: what an operator looks for first. */
final class ListenerReport {
    private static final Logger LOGGER = LoggerFactory.getLogger(HelpdeskMailServer.class);

    private ListenerReport() {
    }

    static void log(Path effectiveConfiguration) {
        XmlConfigurationFile smtp = XmlConfigurationFile.load(effectiveConfiguration.resolve(EffectiveConfiguration.SMTP_SERVERS),
            EffectiveConfiguration.SMTP_SERVERS);
        for (Element server : smtp.elements("/smtpservers/smtpserver[not(@enabled='false')]")) {
            LOGGER.info("SMTP {} listening on {}", XmlConfigurationFile.childText(server, "jmxName"),
                XmlConfigurationFile.childText(server, "bind"));
        }
        PropertiesConfigurationFile webadmin = PropertiesConfigurationFile.load(
            effectiveConfiguration.resolve(EffectiveConfiguration.WEBADMIN), EffectiveConfiguration.WEBADMIN);
        if (webadmin.get("enabled").map(Boolean::parseBoolean).orElse(false)) {
            LOGGER.info("Webadmin listening on http://{}:{}", webadmin.get("host").orElse("0.0.0.0"), webadmin.get("port").orElse("?"));
        }
        LOGGER.info("helpdesk-mail started");
    }
}
