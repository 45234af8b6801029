package org.helpdeskmail.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the benchmark reads from Linux's /proc: CPU time of a process and of the whole machine, and
 * memory figures of a process. CPU comes in clock ticks ({@code getconf CLK_TCK}), as the peer's
 * scripts read it, so both sides are counted the same way.
 */
final class ProcFs {
    private ProcFs() {
    }

    static long clockTicksPerSecond() throws IOException, InterruptedException {
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String output = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (getconf.waitFor() != 0) {
            throw new IOException("getconf CLK_TCK failed: " + output);
        }
        return Long.parseLong(output);
    }

    /** CPU time of a process in clock ticks: utime and stime of all its threads, exited ones included. */
    record CpuTicks(long user, long system) {
        long total() {
            return user + system;
        }

        CpuTicks minus(CpuTicks earlier) {
            return new CpuTicks(user - earlier.user, system - earlier.system);
        }
    }

    static CpuTicks processCpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return new CpuTicks(Long.parseLong(fields[11]), Long.parseLong(fields[12]));
    }

    /** Busy time of all cores: user + nice + system + irq + softirq of /proc/stat's cpu line (as the peer counts it). */
    static long machineBusyTicks() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
            }
        }
        throw new IOException("no cpu line in /proc/stat");
    }

    /** A kB figure of /proc/PID/status (VmRSS, RssAnon, VmHWM, ...); -1 when the process is gone. */
    static long statusKiB(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
