package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

class TenantLookupTest {
    private HttpServer app;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void startApp() throws Exception {
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        app.createContext("/tenants/", exchange -> {
            requests.incrementAndGet();
            String tenant = exchange.getRequestURI().getPath().substring("/tenants/".length());
            int status = switch (tenant) {
                case "acme" -> 200;
                case "ghost" -> 404;
                case "slow" -> {
                    try {
                        Thread.sleep(6000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    yield 200;
                }
                default -> 500;
            };
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        app.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        app.start();
    }

    @AfterEach
    void stopApp() {
        app.stop(0);
    }

    private TenantLookup lookup() {
        return new TenantLookup(Optional.of("http://127.0.0.1:" + app.getAddress().getPort() + "/tenants/{tenant}"),
            Duration.ofMinutes(5), Clock.systemUTC());
    }

    @Test
    void answersFromTheAppAndCaches() {
        TenantLookup lookup = lookup();

        assertThat(lookup.mayExist("acme")).isTrue();
        assertThat(lookup.mayExist("ghost")).isFalse();
        assertThat(lookup.mayExist("ghost")).isFalse();
        assertThat(lookup.mayExist("acme")).isTrue();
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void failsOpenOnErrorsAndTimeouts() {
        TenantLookup lookup = lookup();

        assertThat(lookup.mayExist("broken")).isTrue();
        assertThat(lookup.mayExist("slow")).isTrue();
        assertThat(new TenantLookup(Optional.of("http://127.0.0.1:9/{tenant}"), Duration.ofMinutes(1), Clock.systemUTC())
            .mayExist("acme")).isTrue();
    }

    @Test
    void withoutUrlEveryTenantIsAccepted() {
        assertThat(new TenantLookup(Optional.empty(), Duration.ofMinutes(1), Clock.systemUTC()).mayExist("anything")).isTrue();
        assertThat(requests.get()).isZero();
    }
}
