using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace Iommu
{
    /// <summary>One protocol violation the kernel would report with WARN_ON.</summary>
    public sealed class OwnershipWarning
    {
        internal OwnershipWarning(string function, string message)
        {
            Function = function;
            Message = message;
        }

        /// <summary>The API function that refused the call (<c>nameof(IommuCore.DeviceUnuseDmaApi)</c>, ...).</summary>
        public string Function { get; }

        /// <summary>What was wrong.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString() => Function + ": " + Message;
    }

    /// <summary>Where WARNs go: to the innermost capture of the current async flow, else to <see cref="Trace"/>.</summary>
    public static class OwnershipWarnings
    {
        // AsyncLocal, so that tests running in parallel each see only their own WARNs.
        private static readonly AsyncLocal<WarningCapture?> s_current = new AsyncLocal<WarningCapture?>();

        /// <summary>Starts capturing the WARNs raised on this async flow until the capture is disposed.</summary>
        public static WarningCapture Capture()
        {
            var capture = new WarningCapture(s_current.Value);
            s_current.Value = capture;
            return capture;
        }

        // WARN(1, ...): report and carry on; the caller changes no state.
        internal static void Warn(string function, string message)
        {
            var warning = new OwnershipWarning(function, message);
            WarningCapture? capture = Active(s_current.Value);
            if (capture != null)
            {
                capture.Add(warning);
            }
            else
            {
                Trace.TraceWarning("WARNING: iommu: " + warning);
            }
        }

        internal static void EndCapture(WarningCapture capture)
        {
            capture.MarkDisposed();
            if (ReferenceEquals(s_current.Value, capture))
            {
                s_current.Value = Active(capture.Parent);
            }
        }

        // A disposed capture receives nothing more: a flow that still points at it (a task started inside it, or
        // captures disposed out of order) reports to the nearest enclosing capture that is still open.
        private static WarningCapture? Active(WarningCapture? capture)
        {
            while (capture != null && capture.IsDisposed)
            {
                capture = capture.Parent;
            }

            return capture;
        }
    }

    /// <summary>The WARNs raised on one async flow while it is active.</summary>
    public sealed class WarningCapture : IDisposable
    {
        private readonly object _gate = new object();
        private readonly List<OwnershipWarning> _warnings = new List<OwnershipWarning>();
        private volatile bool _disposed;

        internal WarningCapture(WarningCapture? parent)
        {
            Parent = parent;
        }

        internal WarningCapture? Parent { get; }

        internal bool IsDisposed => _disposed;

        /// <summary>A snapshot of the WARNs captured so far, oldest first.</summary>
        public IReadOnlyList<OwnershipWarning> Warnings
        {
            get
            {
                lock (_gate)
                {
                    return _warnings.ToArray();
                }
            }
        }

        /// <summary>Stops capturing; later WARNs go to the enclosing capture or to <see cref="Trace"/>.</summary>
        public void Dispose() => OwnershipWarnings.EndCapture(this);

        internal void MarkDisposed() => _disposed = true;

        internal void Add(OwnershipWarning warning)
        {
            lock (_gate)
            {
                _warnings.Add(warning);
            }
        }
    }
}
