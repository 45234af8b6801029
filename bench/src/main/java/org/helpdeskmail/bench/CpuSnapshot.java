package org.helpdeskmail.bench;

import java.io.IOException;

/**
 * CPU counters read together at one instant, in clock ticks: the server JVM, this benchmark JVM (load
 * generator and receiver) and the whole machine. Two snapshots bound the measured window.
 */
record CpuSnapshot(ProcFs.CpuTicks server, ProcFs.CpuTicks benchmark, long machineBusy) {

    static CpuSnapshot take(long serverPid) throws IOException {
        return new CpuSnapshot(ProcFs.processCpu(serverPid), ProcFs.processCpu(ProcessHandle.current().pid()), ProcFs.machineBusyTicks());
    }
}
