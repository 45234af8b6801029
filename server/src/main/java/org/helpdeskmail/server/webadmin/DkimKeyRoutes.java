package org.helpdeskmail.server.webadmin;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.apache.james.webadmin.utils.Responses;
import org.eclipse.jetty.http.HttpStatus;
import org.helpdeskmail.clients.dkim.DkimAlgorithm;
import org.helpdeskmail.clients.dkim.DkimKey;
import org.helpdeskmail.clients.dkim.DkimKeyMaterial;
import org.helpdeskmail.clients.dkim.DkimKeyStore;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * Webadmin routes of the DKIM key store:
 * <pre>
 * GET    /dkim/keys                                 every key (never the private part)
 * GET    /dkim/keys/{domain}                        the keys of a domain; 404 if it has none
 * PUT    /dkim/keys/{domain}/{selector}             generates a key (?algorithm=rsa, the default, 2048 bits; or ed25519),
 *                                                   or stores the PEM private key of the body; 201, 409 if the selector exists
 * POST   /dkim/keys/{domain}/{selector}/activate    the selector signs for its domain from now on (in place of the
 *                                                   active key of the same algorithm)
 * DELETE /dkim/keys/{domain}/{selector}             removes a key that is not active; 204
 * </pre>
 * Each key is answered as {@code {"domain", "selector", "algorithm", "bits", "active", "dnsName", "dnsRecord"}}: the
 * TXT record {@code dnsRecord} must be published at {@code dnsName} before the key is activated. Errors are James's
 * JSON error body: 400 bad domain, selector, algorithm or PEM; 404 unknown key; 409 conflicting state.
 */
public class DkimKeyRoutes implements Routes {
    public static final String BASE_PATH = "/dkim/keys";
    private static final String DOMAIN = ":domain";
    private static final String SELECTOR = ":selector";
    private static final String DOMAIN_PATH = BASE_PATH + "/" + DOMAIN;
    private static final String KEY_PATH = DOMAIN_PATH + "/" + SELECTOR;

    /** A key as webadmin shows it. */
    public record DkimKeyResponse(String domain, String selector, String algorithm, int bits, boolean active, String dnsName,
                                  String dnsRecord) {
        static DkimKeyResponse of(DkimKey key) {
            return new DkimKeyResponse(key.domain(), key.selector(), key.algorithm().keyType(), key.bits(), key.active(), key.dnsName(),
                key.dnsRecord());
        }
    }

    private final DkimKeyStore store;
    private final JsonTransformer jsonTransformer;

    @Inject
    public DkimKeyRoutes(DkimKeyStore store, JsonTransformer jsonTransformer) {
        this.store = store;
        this.jsonTransformer = jsonTransformer;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(BASE_PATH, (request, response) -> responses(store.keys()), jsonTransformer);
        service.get(DOMAIN_PATH, this::domainKeys, jsonTransformer);
        service.put(KEY_PATH, this::addKey, jsonTransformer);
        service.post(KEY_PATH + "/activate", (request, response) ->
            answer(() -> DkimKeyResponse.of(store.activate(request.params(DOMAIN), request.params(SELECTOR)))), jsonTransformer);
        service.delete(KEY_PATH, this::removeKey);
    }

    private List<DkimKeyResponse> domainKeys(Request request, Response response) {
        List<DkimKey> keys = answer(() -> store.keys(request.params(DOMAIN)));
        if (keys.isEmpty()) {
            throw error(HttpStatus.NOT_FOUND_404, ErrorType.NOT_FOUND, "no DKIM key for " + request.params(DOMAIN), null);
        }
        return responses(keys);
    }

    private DkimKeyResponse addKey(Request request, Response response) {
        String domain = request.params(DOMAIN);
        String selector = request.params(SELECTOR);
        Optional<DkimAlgorithm> algorithm = Optional.ofNullable(request.queryParams("algorithm")).map(value -> answer(() -> DkimAlgorithm.parse(value)));
        String pem = request.body();
        DkimKey key;
        if (pem == null || pem.isBlank()) {
            key = answer(() -> store.generate(domain, selector, algorithm.orElse(DkimAlgorithm.RSA)));
        } else {
            DkimAlgorithm given = answer(() -> DkimKeyMaterial.fromPem(pem).algorithm());
            if (algorithm.isPresent() && algorithm.get() != given) {
                throw error(HttpStatus.BAD_REQUEST_400, ErrorType.INVALID_ARGUMENT,
                    "the PEM key is " + given.keyType() + ", not " + algorithm.get().keyType(), null);
            }
            key = answer(() -> store.importPem(domain, selector, pem));
        }
        response.status(HttpStatus.CREATED_201);
        return DkimKeyResponse.of(key);
    }

    private String removeKey(Request request, Response response) {
        answer(() -> {
            store.remove(request.params(DOMAIN), request.params(SELECTOR));
            return null;
        });
        return Responses.returnNoContent(response);
    }

    private static List<DkimKeyResponse> responses(List<DkimKey> keys) {
        return keys.stream().map(DkimKeyResponse::of).toList();
    }

    /** The store's exceptions as HTTP answers. */
    private static <T> T answer(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (IllegalArgumentException e) {
            throw error(HttpStatus.BAD_REQUEST_400, ErrorType.INVALID_ARGUMENT, e.getMessage(), e);
        } catch (NoSuchElementException e) {
            throw error(HttpStatus.NOT_FOUND_404, ErrorType.NOT_FOUND, e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw error(HttpStatus.CONFLICT_409, ErrorType.WRONG_STATE, e.getMessage(), e);
        }
    }

    private static spark.HaltException error(int status, ErrorType type, String message, Exception cause) {
        ErrorResponder responder = ErrorResponder.builder().statusCode(status).type(type).message(message);
        return (cause == null ? responder : responder.cause(cause)).haltError();
    }
}
