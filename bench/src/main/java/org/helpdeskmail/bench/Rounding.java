package org.helpdeskmail.bench;

/** How figures are rounded in the results: enough digits to compare, no false precision. */
final class Rounding {
    private Rounding() {
    }

    static double mib(long kib) {
        return round1(kib / 1024.0);
    }

    static double round1(double value) {
        return Math.round(value * 10) / 10.0;
    }

    static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }

    static double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
