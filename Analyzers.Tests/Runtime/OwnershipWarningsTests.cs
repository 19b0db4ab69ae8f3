using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    public class OwnershipWarningsTests
    {
        [Fact]
        public void Capture_CollectsFunctionAndMessage_InOrder()
        {
            var rig = new RuntimeRig();
            using WarningCapture capture = OwnershipWarnings.Capture();
            IommuCore.DeviceUnuseDmaApi(rig.Dev0);
            IommuCore.GroupReleaseDmaOwner(rig.Group);
            Assert.Equal(
                new[] { nameof(IommuCore.DeviceUnuseDmaApi), nameof(IommuCore.GroupReleaseDmaOwner) },
                capture.Warnings.Select(w => w.Function));
            Assert.Contains("group " + rig.Group.Id, capture.Warnings[0].Message);
            Assert.StartsWith(nameof(IommuCore.DeviceUnuseDmaApi) + ": ", capture.Warnings[0].ToString());
        }

        [Fact]
        public void Warnings_IsASnapshot()
        {
            var rig = new RuntimeRig();
            using WarningCapture capture = OwnershipWarnings.Capture();
            IReadOnlyList<OwnershipWarning> before = capture.Warnings;
            IommuCore.DeviceUnuseDmaApi(rig.Dev0);
            Assert.Empty(before);
            Assert.Single(capture.Warnings);
        }

        [Fact]
        public void Nested_TheInnermostCaptureGetsTheWarn_AndTheOuterResumesAfterIt()
        {
            var rig = new RuntimeRig();
            using WarningCapture outer = OwnershipWarnings.Capture();
            using (WarningCapture inner = OwnershipWarnings.Capture())
            {
                IommuCore.DeviceUnuseDmaApi(rig.Dev0);
                Assert.Single(inner.Warnings);
                Assert.Empty(outer.Warnings);
            }

            IommuCore.GroupReleaseDmaOwner(rig.Group);
            Assert.Equal(nameof(IommuCore.GroupReleaseDmaOwner), Assert.Single(outer.Warnings).Function);
        }

        [Fact]
        public void DisposedOutOfOrder_NeitherCaptureReceivesMore()
        {
            var rig = new RuntimeRig();
            using WarningCapture enclosing = OwnershipWarnings.Capture();
            WarningCapture outer = OwnershipWarnings.Capture();
            WarningCapture inner = OwnershipWarnings.Capture();
            outer.Dispose();
            IommuCore.DeviceUnuseDmaApi(rig.Dev0);
            Assert.Single(inner.Warnings);
            inner.Dispose();

            IommuCore.DeviceUnuseDmaApi(rig.Dev0);
            Assert.Single(inner.Warnings);
            Assert.Empty(outer.Warnings);
            Assert.Single(enclosing.Warnings);
        }

        [Fact]
        public async Task ChildFlows_InheritTheCapture()
        {
            var rig = new RuntimeRig();
            using WarningCapture capture = OwnershipWarnings.Capture();
            await Task.Run(() => IommuCore.DeviceUnuseDmaApi(rig.Dev0));
            OtherThread.Run(() =>
            {
                IommuCore.GroupReleaseDmaOwner(rig.Group);
                return 0;
            });
            Assert.Equal(2, capture.Warnings.Count);
        }

        [Fact]
        public void AFlowThatOutlivesItsCapture_ReportsToTheEnclosingOne()
        {
            var rig = new RuntimeRig();
            using WarningCapture outer = OwnershipWarnings.Capture();
            using var go = new ManualResetEventSlim();
            Thread late;
            WarningCapture inner;
            using (inner = OwnershipWarnings.Capture())
            {
                // Started inside the inner capture: its execution context points at it.
                late = new Thread(() =>
                {
                    go.Wait();
                    IommuCore.DeviceUnuseDmaApi(rig.Dev0);
                });
                late.Start();
            }

            go.Set();
            late.Join();
            Assert.Empty(inner.Warnings);
            Assert.Single(outer.Warnings);
        }

        [Fact]
        public async Task ParallelFlows_SeeOnlyTheirOwnWarns()
        {
            const int flows = 4;
            const int warnsPerFlow = 50;
            using var barrier = new Barrier(flows);
            var groups = Enumerable.Range(0, flows).Select(_ => new RuntimeRig()).ToArray();

            IReadOnlyList<OwnershipWarning>[] seen = await Task.WhenAll(Enumerable.Range(0, flows).Select(i => Task.Factory.StartNew(
                () =>
                {
                    using WarningCapture capture = OwnershipWarnings.Capture();
                    barrier.SignalAndWait();
                    for (int n = 0; n < warnsPerFlow; n++)
                    {
                        IommuCore.DeviceUnuseDmaApi(groups[i].Dev0);
                    }

                    barrier.SignalAndWait();
                    return capture.Warnings;
                },
                TaskCreationOptions.LongRunning)));

            for (int i = 0; i < flows; i++)
            {
                Assert.Equal(warnsPerFlow, seen[i].Count);
                Assert.All(seen[i], w => Assert.Contains("group " + groups[i].Group.Id + " ", w.Message));
            }
        }

        [Fact]
        public void OutsideACapture_WarnsGoToTrace()
        {
            var rig = new RuntimeRig();
            var listener = new RecordingListener();
            Trace.Listeners.Add(listener);
            try
            {
                // A fresh flow with no capture, whatever the test runner set up around us.
                OtherThread.Run(() =>
                {
                    using (ExecutionContext.SuppressFlow())
                    {
                        var thread = new Thread(() => IommuCore.DeviceUnuseDmaApi(rig.Dev0));
                        thread.Start();
                        thread.Join();
                    }

                    return 0;
                });
            }
            finally
            {
                Trace.Listeners.Remove(listener);
            }

            Assert.Contains(listener.Lines, line => line.Contains("group " + rig.Group.Id + " ") && line.Contains(nameof(IommuCore.DeviceUnuseDmaApi)));
        }

        private sealed class RecordingListener : TraceListener
        {
            private readonly object _gate = new object();
            private readonly List<string> _lines = new List<string>();

            public IReadOnlyList<string> Lines
            {
                get
                {
                    lock (_gate)
                    {
                        return _lines.ToArray();
                    }
                }
            }

            public override void Write(string? message) => WriteLine(message);

            public override void WriteLine(string? message)
            {
                lock (_gate)
                {
                    _lines.Add(message ?? string.Empty);
                }
            }
        }
    }
}
