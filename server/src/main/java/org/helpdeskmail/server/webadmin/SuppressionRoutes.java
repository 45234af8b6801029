package org.helpdeskmail.server.webadmin;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.util.streams.Limit;
import org.apache.james.util.streams.Offset;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonExtractException;
import org.apache.james.webadmin.utils.JsonExtractor;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.apache.james.webadmin.utils.ParametersExtractor;
import org.apache.james.webadmin.utils.Responses;
import org.eclipse.jetty.http.HttpStatus;
import org.helpdeskmail.clients.DataStoreException;
import org.helpdeskmail.clients.SuppressionList;
import org.helpdeskmail.clients.SuppressionList.Reason;
import org.helpdeskmail.clients.SuppressionList.SuppressedAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonInclude;

import spark.HaltException;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * The suppression list on webadmin:
 * <ul>
 *   <li>{@code GET /suppressions[?limit=&offset=]}: the list, ordered by address;</li>
 *   <li>{@code GET /suppressions/{address}}: one entry, 404 when the address is not suppressed;</li>
 *   <li>{@code PUT /suppressions/{address}}, optional body {@code {"detail": "why"}}: suppresses by
 *       hand (204; an address already on the list keeps its first reason);</li>
 *   <li>{@code DELETE /suppressions/{address}}: mail may go to the address again (204).</li>
 * </ul>
 * An entry is {@code {"address", "reason": "hard_bounce|complaint|manual", "detail", "suppressedAt"}};
 * an invalid address is answered 400.
 */
public class SuppressionRoutes implements Routes {
    public static final String BASE_PATH = "/suppressions";
    private static final Logger LOGGER = LoggerFactory.getLogger(SuppressionRoutes.class);
    private static final String ADDRESS_PARAMETER = ":address";
    private static final String ONE_ADDRESS = BASE_PATH + "/" + ADDRESS_PARAMETER;

    /** One entry as webadmin shows it; the detail is left out when there is none. */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record SuppressionDto(String address, String reason, Optional<String> detail, String suppressedAt) {
        static SuppressionDto of(SuppressedAddress entry) {
            return new SuppressionDto(entry.address(), entry.reason().name().toLowerCase(Locale.ROOT), entry.detail(),
                entry.since().toString());
        }
    }

    /** The optional body of a PUT; {@code detail} may be left out. */
    public record ManualSuppression(String detail) {
    }

    private final SuppressionList suppressionList;
    private final Clock clock;
    private final JsonTransformer jsonTransformer;
    private final JsonExtractor<ManualSuppression> bodyExtractor = new JsonExtractor<>(ManualSuppression.class);

    @Inject
    public SuppressionRoutes(SuppressionList suppressionList, Clock clock, JsonTransformer jsonTransformer) {
        this.suppressionList = suppressionList;
        this.clock = clock;
        this.jsonTransformer = jsonTransformer;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(BASE_PATH, this::list, jsonTransformer);
        service.get(ONE_ADDRESS, this::get, jsonTransformer);
        service.put(ONE_ADDRESS, this::suppress);
        service.delete(ONE_ADDRESS, this::remove);
    }

    private List<SuppressionDto> list(Request request, Response response) throws DataStoreException {
        Limit limit = ParametersExtractor.extractLimit(request);
        Offset offset = ParametersExtractor.extractOffset(request);
        List<SuppressedAddress> entries = limit.isUnlimited()
            ? suppressionList.list().stream().skip(offset.getOffset()).toList()
            : suppressionList.list(limit.getLimit().orElseThrow(), offset.getOffset());
        return entries.stream().map(SuppressionDto::of).toList();
    }

    private SuppressionDto get(Request request, Response response) throws DataStoreException {
        MailAddress address = address(request);
        return suppressionList.find(address).map(SuppressionDto::of)
            .orElseThrow(() -> ErrorResponder.builder()
                .statusCode(HttpStatus.NOT_FOUND_404)
                .type(ErrorType.NOT_FOUND)
                .message(address.asString() + " is not suppressed")
                .haltError());
    }

    private String suppress(Request request, Response response) throws DataStoreException {
        MailAddress address = address(request);
        Optional<String> detail = detail(request);
        try {
            if (suppressionList.suppress(address, Reason.MANUAL, detail.orElse(""), clock.instant())) {
                LOGGER.info("Suppression list: {} added through webadmin ({})", SuppressionList.key(address), detail.orElse("no detail"));
            }
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage(), e);
        }
        return Responses.returnNoContent(response);
    }

    private String remove(Request request, Response response) throws DataStoreException {
        MailAddress address = address(request);
        if (suppressionList.remove(address)) {
            LOGGER.info("Suppression list: {} removed through webadmin", SuppressionList.key(address));
        }
        return Responses.returnNoContent(response);
    }

    private static MailAddress address(Request request) {
        // Spark has already decoded the path parameter (%40, %2B ...).
        String address = request.params(ADDRESS_PARAMETER);
        try {
            return SuppressionList.parse(address);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage(), e);
        }
    }

    private Optional<String> detail(Request request) {
        String body = request.body();
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        try {
            ManualSuppression manual = bodyExtractor.parse(body);
            return Optional.ofNullable(manual.detail()).filter(detail -> !detail.isBlank());
        } catch (JsonExtractException e) {
            throw badRequest("the body is not {\"detail\": \"...\"}: " + e.getMessage(), e);
        }
    }

    private static HaltException badRequest(String message, Exception cause) {
        return ErrorResponder.builder()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .type(ErrorType.INVALID_ARGUMENT)
            .message(message)
            .cause(cause)
            .haltError();
    }
}
