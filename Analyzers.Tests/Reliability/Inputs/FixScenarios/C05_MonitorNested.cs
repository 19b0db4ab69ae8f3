// Fix class 5: nesting that creates a lock-order inversion, with C#'s `lock` (no LockDep for monitors: the two
// threads must really meet). Shape: a port forwards a frame to its peer and counts it in the peer's counters while
// still inside `lock (_sync)`.
// Original: IOMMU0100 in Forward, 'peer._received' written without holding 'peer._sync'.
// Right: leave the own lock before taking the peer's (`lock (_sync) { _sent++; Sent?.Invoke(); } lock (peer._sync) {
// peer._received++; }`). Wrong: `lock (peer._sync)` nested inside `lock (_sync)`: with a forwarding to b and b to a at
// once, each thread holds its own port and waits for the other's (deadlock; Run() gives up after 3 s and throws).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C05MonitorNested
{
    public sealed class Port
    {
        private readonly object _sync = new object();

        [GuardedBy(nameof(_sync))]
        private int _sent;

        [GuardedBy(nameof(_sync))]
        private int _received;

        // Raised inside the port's lock, after it counted the frame: the scenario's rendezvous point.
        public event Action? Sent;

        public int Received()
        {
            lock (_sync)
            {
                return _received;
            }
        }

        public void Forward(Port peer)
        {
            lock (_sync)
            {
                _sent++;
                Sent?.Invoke();
                peer._received++;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var a = new Port();
            var b = new Port();

            // Both threads hold their own port's lock when they meet here; then each goes on to its peer.
            var both = new Barrier(2);
            a.Sent += () => both.SignalAndWait(1000);
            b.Sent += () => both.SignalAndWait(1000);
            var ab = new Worker(() => a.Forward(b));
            var ba = new Worker(() => b.Forward(a));
            ab.Join();
            ba.Join();
            if (a.Received() != 1 || b.Received() != 1)
            {
                throw new InvalidOperationException("received " + a.Received() + " and " + b.Received());
            }
        }
    }
}
