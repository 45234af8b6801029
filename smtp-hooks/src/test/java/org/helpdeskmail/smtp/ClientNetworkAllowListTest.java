package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.InetSocketAddress;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.junit.jupiter.api.Test;

class ClientNetworkAllowListTest {

    private static ClientNetworkAllowList configured(String networks) throws ConfigurationException {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        if (networks != null) {
            configuration.addProperty("networks", networks);
        }
        ClientNetworkAllowList handler = new ClientNetworkAllowList();
        handler.init(configuration);
        return handler;
    }

    private static SMTPSession sessionFrom(String ip) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(ip, 40000));
        return session;
    }

    @Test
    void letsAllowedClientsThrough() throws Exception {
        assertThat(configured("127.0.0.0/8").onConnect(sessionFrom("127.0.0.9"))).isNull();
    }

    @Test
    void closesOtherClientsWith554() throws Exception {
        Response response = configured("127.0.0.2/32").onConnect(sessionFrom("127.0.0.3"));

        assertThat(response.getRetCode()).isEqualTo("554");
        assertThat(response.getLines().get(0).toString()).contains("5.7.1").contains("127.0.0.3");
        assertThat(response.isEndSession()).isTrue();
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured(null)).hasMessageContaining("<networks>");
        assertThatThrownBy(() -> configured("10.0.0.0/8,office")).hasMessageContaining("<networks>").hasMessageContaining("office");
    }
}
