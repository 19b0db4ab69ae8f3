#!/usr/bin/env python3
"""Editor test: what a csharp-ls user (Neovim, Emacs, Helix) sees with the installed package.

Speaks LSP over stdio to csharp-ls (the local dotnet tool pinned in .config/dotnet-tools.json) on
Samples/PackageConsumer, which installs IommuAnalyzers from artifacts/packages. It turns the analyzers on
(csharp.analyzersEnabled, answered through workspace/configuration and sent with
workspace/didChangeConfiguration), opens Program.cs, checks that the IOMMU0001 diagnostics arrive with their
ranges and help links, then types an unguarded write and checks that IOMMU0100 arrives for it. The whole run is
bounded in time, and the server (with every process it started) is killed at the end, pass or fail.

Usage: python3 .ci/editor-test.py [--timeout SECONDS]   (the sample must have been restored: CI builds it first)
"""
import argparse
import json
import os
import pathlib
import queue
import signal
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "Samples" / "PackageConsumer"
SOURCE = SAMPLE / "Program.cs"
HELP = "https://github.com/iommuanalyzers/IommuAnalyzers/blob/main/docs/rules/{}.md"

# Typed at the end of the file: a guarded counter written without its lock.
EDIT = """
namespace PackageConsumer
{
    internal sealed class RxCounter
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _packets;

        public void OnPacket() => _packets++;
    }
}
"""


class Failure(Exception):
    pass


class Server:
    """One csharp-ls process, its message pump, and the requests it sends us."""

    def __init__(self, deadline, log):
        self.deadline = deadline
        self.log = log
        self.next_id = 0
        self.messages = queue.Queue()
        self.published = {}
        self.proc = subprocess.Popen(
            ["dotnet", "tool", "run", "csharp-ls", "--loglevel", "warning"],
            cwd=SAMPLE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill below takes its build hosts too
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            self.messages.put(json.loads(out.read(length).decode("utf-8")))

    def send(self, message):
        message["jsonrpc"] = "2.0"
        body = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        request_id = self.next_id
        self.send({"id": request_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == request_id and "method" not in message:
                if "error" in message:
                    raise Failure("%s failed: %s" % (method, message["error"]))
                return message.get("result")

    def receive(self):
        """The next response; answers the server's own requests and records pushed diagnostics on the way."""
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("timed out waiting for the server")
            message = self._next(min(remaining, 1.0))
            if message is not None and not self._handle(message):
                return message

    def pump_for(self, seconds):
        """Lets pushed messages arrive for a moment (no request of ours is outstanding)."""
        end = min(self.deadline, time.monotonic() + seconds)
        while time.monotonic() < end:
            message = self._next(max(0.01, end - time.monotonic()))
            if message is not None:
                self._handle(message)

    def _next(self, timeout):
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            return None
        if message is None:
            raise Failure("the server exited (code %s)" % self.proc.poll())
        return message

    def _handle(self, message):
        """Deals with a request or notification from the server; False for a response to one of ours."""
        method = message.get("method")
        if not method:
            return False
        if "id" in message:
            self.send({"id": message["id"], "result": self._answer(method, message.get("params") or {})})
        elif method == "textDocument/publishDiagnostics":
            self.published[message["params"]["uri"]] = message["params"]["diagnostics"]
        return True

    def _answer(self, method, params):
        if method == "workspace/configuration":
            # The settings csharp-ls reads from the "csharp" section.
            return [{"analyzersEnabled": True} if item.get("section") == "csharp"
                    else {"csharp": {"analyzersEnabled": True}} if not item.get("section") else None
                    for item in params.get("items", [])]
        return None  # client/registerCapability, window/workDoneProgress/create, ...

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)


def iommu(diagnostics):
    return [d for d in diagnostics if str(d.get("code", "")).startswith("IOMMU")]


def diagnostics_of(server, uri, pull):
    """The document's diagnostics now: pulled where the server offers it, else the last ones it pushed."""
    if pull:
        report = server.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        if report and report.get("kind") == "full":
            return report.get("items", [])
    server.pump_for(0.2)
    return server.published.get(uri, [])


def wait_for(server, uri, pull, wanted, what):
    start = time.monotonic()
    found = []
    while time.monotonic() < server.deadline:
        found = iommu(diagnostics_of(server, uri, pull))
        if wanted(found):
            return found, time.monotonic() - start
        time.sleep(0.1)
    raise Failure("timed out waiting for %s; IOMMU diagnostics seen: %s" % (what, json.dumps(found)))


def range_of(text, needle, occurrence=0):
    """The LSP range (0-based line/character) of the n-th occurrence of needle in text."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    character = at - (text.rfind("\n", 0, at) + 1)
    return {"start": {"line": line, "character": character}, "end": {"line": line, "character": character + len(needle)}}


def check(diagnostic, code, expected_range):
    if diagnostic.get("range") != expected_range:
        raise Failure("%s at %s, expected %s" % (code, json.dumps(diagnostic.get("range")), json.dumps(expected_range)))
    href = (diagnostic.get("codeDescription") or {}).get("href")
    if href != HELP.format(code):
        raise Failure("%s has help link %r, expected %r" % (code, href, HELP.format(code)))


def run(deadline):
    text = SOURCE.read_text(encoding="utf-8")
    uri = SOURCE.as_uri()
    server = Server(deadline, print)
    try:
        started = time.monotonic()
        result = server.request("initialize", {
            "processId": os.getpid(),
            "rootUri": SAMPLE.as_uri(),
            "workspaceFolders": [{"uri": SAMPLE.as_uri(), "name": "PackageConsumer"}],
            "capabilities": {
                "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}, "workspaceFolders": True},
                "textDocument": {
                    "synchronization": {"dynamicRegistration": True, "didSave": True},
                    "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True},
                    "diagnostic": {"dynamicRegistration": True, "relatedDocumentSupport": False},
                },
                "window": {"workDoneProgress": True},
            },
        })
        capabilities = result.get("capabilities", {})
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": {"csharp": {"analyzersEnabled": True}}})
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csharp", "version": 1, "text": text}})
        # Pull diagnostics may be registered statically or dynamically; try them, fall back to what is pushed.
        pull = True
        try:
            diagnostics_of(server, uri, True)
        except Failure as failure:
            if "failed" not in str(failure):
                raise
            pull = False
        print("csharp-ls %s, diagnostics by %s" % (result.get("serverInfo", {}).get("version", "?"), "pull" if pull else "push"))

        found, _ = wait_for(server, uri, pull, lambda d: sum(x.get("code") == "IOMMU0001" for x in d) >= 2, "IOMMU0001 on open")
        print("on open, after %.1f s (project load included): %s" % (time.monotonic() - started, ", ".join(
            "%s@%d:%d" % (d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1) for d in found)))
        codes = sorted(d["code"] for d in found)
        if codes != ["IOMMU0001", "IOMMU0001"]:
            raise Failure("expected exactly IOMMU0001 twice on open, got %s" % codes)
        by_line = sorted(found, key=lambda d: d["range"]["start"]["line"])
        check(by_line[0], "IOMMU0001", range_of(text, "IommuCore.AttachDeviceShared(_shared, dev)"))
        check(by_line[1], "IOMMU0001", range_of(text, "IommuCore.DetachDeviceShared(_shared, dev)"))

        # Type the unguarded write at the end of the file.
        lines = text.split("\n")
        end = {"line": len(lines) - 1, "character": len(lines[-1])}
        edited = text + EDIT
        sync = capabilities.get("textDocumentSync", 1)
        sync = sync.get("change", 1) if isinstance(sync, dict) else sync
        change = {"text": edited} if sync == 1 else {"range": {"start": end, "end": end}, "text": EDIT}
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]})
        found, latency = wait_for(server, uri, pull, lambda d: any(x.get("code") == "IOMMU0100" for x in d), "IOMMU0100 after the edit")
        print("after the edit, %.2f s: %s" % (latency, ", ".join(
            "%s@%d:%d" % (d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1) for d in found)))
        new = [d for d in found if d["code"] == "IOMMU0100"]
        if len(new) != 1:
            raise Failure("expected one IOMMU0100 after the edit, got %d" % len(new))
        check(new[0], "IOMMU0100", range_of(edited, "_packets", 1))
        if sum(d["code"] == "IOMMU0001" for d in found) != 2:
            raise Failure("the IOMMU0001 diagnostics did not survive the edit")

        try:
            server.request("shutdown", None)
            server.notify("exit", None)
        except Failure:
            pass
        print("editor test passed in %.1f s" % (time.monotonic() - started))
    finally:
        server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds for the whole run (default 180)")
    args = parser.parse_args()
    subprocess.run(["dotnet", "tool", "restore"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    try:
        run(time.monotonic() + args.timeout)
    except Failure as failure:
        print("editor test FAILED: %s" % failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
