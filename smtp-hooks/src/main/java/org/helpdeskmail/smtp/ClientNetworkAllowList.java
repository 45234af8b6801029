package org.helpdeskmail.smtp;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.api.handler.ConnectHandler;
import org.helpdeskmail.clients.NetworkAllowList;

/**
 * Closes, right after connect, every connection whose client address is outside the configured
 * networks: the submission listener is for the helpdesk's own application servers only.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.ClientNetworkAllowList">
 *     <networks>127.0.0.0/8, 10.0.0.0/8</networks>
 * </handler>
 * }</pre>
 */
public class ClientNetworkAllowList implements ConnectHandler<SMTPSession> {
    private NetworkAllowList networks;

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("networks", null);
        if (value == null) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <networks> is required");
        }
        try {
            networks = NetworkAllowList.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <networks> " + e.getMessage(), e);
        }
    }

    @Override
    public Response onConnect(SMTPSession session) {
        if (networks.contains(session.getRemoteAddress().getAddress())) {
            return null;
        }
        SMTPResponse response = new SMTPResponse("554",
            "5.7.1 " + session.getRemoteAddress().getAddress().getHostAddress() + " is not allowed to use this service");
        response.setEndSession(true);
        return response;
    }
}
