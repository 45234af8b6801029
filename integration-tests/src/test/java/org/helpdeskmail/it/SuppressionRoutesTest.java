package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The suppression list on webadmin, with the real server and its database under var/. */
class SuppressionRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder().build();

    private JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void addedAddressesAreListedFoundRemovedAndSurviveARestart() throws Exception {
        assertThat(server.request("PUT", "/suppressions/Customer@Example.COM", "{\"detail\": \"asked by phone\"}").statusCode())
            .isEqualTo(204);
        assertThat(server.request("PUT", "/suppressions/bounces%2Btag@example.net", null).statusCode()).isEqualTo(204);
        assertThat(server.request("PUT", "/suppressions/zz@example.org", "").statusCode()).isEqualTo(204);
        assertThat(server.request("PUT", "/suppressions/customer@example.com", "{\"detail\": \"again\"}").statusCode())
            .as("idempotent").isEqualTo(204);

        JsonNode all = json(server.request("GET", "/suppressions", null));
        assertThat(all).hasSize(3);
        assertThat(all.findValuesAsText("address")).containsExactly("bounces+tag@example.net", "customer@example.com", "zz@example.org");
        JsonNode customer = json(server.request("GET", "/suppressions/CUSTOMER@example.com", null));
        assertThat(customer.get("address").asText()).isEqualTo("customer@example.com");
        assertThat(customer.get("reason").asText()).isEqualTo("manual");
        assertThat(customer.get("detail").asText()).as("the first suppression stands").isEqualTo("asked by phone");
        assertThat(customer.get("suppressedAt").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
        assertThat(json(server.request("GET", "/suppressions/zz@example.org", null)).has("detail")).isFalse();
        assertThat(json(server.request("GET", "/suppressions?limit=1&offset=1", null)).findValuesAsText("address"))
            .containsExactly("customer@example.com");

        assertThat(server.request("DELETE", "/suppressions/bounces%2Btag@example.net", null).statusCode()).isEqualTo(204);
        assertThat(server.request("GET", "/suppressions/bounces+tag@example.net", null).statusCode()).isEqualTo(404);
        assertThat(server.request("DELETE", "/suppressions/nobody@example.net", null).statusCode()).isEqualTo(204);

        server.stop();
        server.start();

        assertThat(json(server.request("GET", "/suppressions", null)).findValuesAsText("address"))
            .containsExactly("customer@example.com", "zz@example.org");
        assertThat(json(server.request("GET", "/suppressions/customer@example.com", null)).get("detail").asText())
            .isEqualTo("asked by phone");
    }

    @Test
    void invalidAddressesAndBodiesAreBadRequests() throws Exception {
        assertThat(server.request("PUT", "/suppressions/not-an-address", null).statusCode()).isEqualTo(400);
        assertThat(server.request("GET", "/suppressions/not-an-address", null).statusCode()).isEqualTo(400);
        assertThat(server.request("DELETE", "/suppressions/@example.com", null).statusCode()).isEqualTo(400);
        assertThat(server.request("PUT", "/suppressions/customer@example.com", "{not json").statusCode()).isEqualTo(400);
        assertThat(server.request("GET", "/suppressions?limit=-1", null).statusCode()).isEqualTo(400);
        assertThat(server.request("GET", "/suppressions/unknown@example.com", null).statusCode()).isEqualTo(404);
        assertThat(json(server.request("GET", "/suppressions", null))).isEmpty();
    }
}
