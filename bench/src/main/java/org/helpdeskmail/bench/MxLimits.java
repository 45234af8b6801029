package org.helpdeskmail.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MX listener's limits on connections, as its smtpserver.xml sets them: James's
 * {@code connectionLimit} (in all) and {@code connectionLimitPerIP}, the listen backlog, and the
 * {@code connectionsPerMinute} per client of our Throttling handler. A burst benchmark reads them
 * from the distribution it measures, so that it stays under them (a refusal by a limit would be
 * measured as if it were the server's speed) and says so when asked to go over. 0 means no limit
 * (James); a missing element is null.
 */
record MxLimits(Integer connectionLimit, Integer connectionLimitPerIp, Integer connectionBacklog, Integer connectionsPerMinute) {
    private static final Pattern SERVER = Pattern.compile("<smtpserver\\b.*?</smtpserver>", Pattern.DOTALL);
    private static final Pattern MX_NAME = Pattern.compile("<jmxName>\\s*mx\\s*</jmxName>");
    private static final Pattern COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);

    static MxLimits read(Path smtpserverXml) throws IOException {
        return parse(Files.readString(smtpserverXml, StandardCharsets.UTF_8));
    }

    /** The listener whose jmxName is mx (else the first one). */
    static MxLimits parse(String xml) {
        Matcher servers = SERVER.matcher(COMMENT.matcher(xml).replaceAll(""));
        String first = null;
        while (servers.find()) {
            if (MX_NAME.matcher(servers.group()).find()) {
                return of(servers.group());
            }
            first = first == null ? servers.group() : first;
        }
        if (first == null) {
            throw new IllegalArgumentException("no <smtpserver> in smtpserver.xml");
        }
        return of(first);
    }

    private static MxLimits of(String server) {
        return new MxLimits(element(server, "connectionLimit"), element(server, "connectionLimitPerIP"), element(server, "connectionBacklog"),
            element(server, "connectionsPerMinute"));
    }

    private static Integer element(String xml, String name) {
        Matcher value = Pattern.compile("<" + name + ">\\s*(\\d+)\\s*</" + name + ">").matcher(xml);
        return value.find() ? Integer.valueOf(value.group(1)) : null;
    }

    /**
     * What a run of {@code bursts} bursts of {@code connections} connections, {@code perAddress}
     * from each client address, one burst closed before the next, would run into; empty when nothing.
     */
    List<String> limitsMet(int connections, int perAddress, int bursts) {
        List<String> met = new ArrayList<>();
        if (connectionLimit != null && connectionLimit > 0 && connections > connectionLimit) {
            met.add(connections + " connections at once > connectionLimit " + connectionLimit);
        }
        if (connectionLimitPerIp != null && connectionLimitPerIp > 0 && perAddress > connectionLimitPerIp) {
            met.add(perAddress + " connections per address > connectionLimitPerIP " + connectionLimitPerIp);
        }
        if (connectionsPerMinute != null && connectionsPerMinute > 0 && perAddress * bursts > connectionsPerMinute) {
            met.add(perAddress * bursts + " connections per address within a minute > Throttling connectionsPerMinute " + connectionsPerMinute);
        }
        return met;
    }
}
