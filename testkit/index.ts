// testkit/'s only door: everything tests, benches and scripts use from the kit. Tests
// import it as `../testkit/index.ts` (or `../../testkit/index.ts`), never a file inside.
export { sharedDir, sharedPath, skipWithout } from './shared.ts';
export { createFakeHealTarget } from './fake-heal-target.ts';
export { recordedEvidence, fingerprintFromArgv, isRecorded, DEFAULT_STALL_MS } from './recorded-evidence.ts';
export { runCli } from './run-cli.ts';
export { exampleSpec } from './example-spec.ts';
export { bootOnce, debianImageSpec } from './boot-once.ts';
export { createManualClock, recordingPath, parseRecording, loadRecording, recordingFromLog, replay, createReplayVm } from './console-replayer.ts';
export type { Recording, ManualClock, ReplayVm } from './console-replayer.ts';
export { startFakeQmp, QEMU72_GREETING } from './fake-qmp.ts';
export type { FakeQmp, FakeQmpOptions, FakeReply } from './fake-qmp.ts';
// Image fixtures: small real GPT + FAT + ext4 disks, and one good image per test file with
// helpers to break and compare copies of it (useBaseImage registers the before/after hooks).
export { buildTestImage, cpioNewc, stubConfig, fakeGrubEfi, fakeBzImage } from './image/test-image.ts';
export type { TestImage } from './image/test-image.ts';
export { base, useBaseImage, fresh, copy, problems, hash, poke, tool, esp, rootDev, rootHash, espHash, putEspFile, cleanupSnapshots } from './image/kit.ts';
// Ledger fixtures: temporary homes, a fixed clock, filled ledgers, and the child process
// the crash test kills at random moments.
export { tempHome, fixedNow, fill, builtHome, copyHome, APPEND_LOOP_SCRIPT } from './ledger/fixtures.ts';
export { remedyContext, diagnosisFor } from './heal-fixtures.ts';
export { QMP_STATS_REPLIES } from './qmp-stats.ts';
// Property-based fuzzing: the harness (fixed seeds in CI, time budgets in bench/fuzz.ts) and byte mutations.
export { codesOf, runCatalogued, showInput, fuzzCheck, fuzzFor, growthRatio, runGuarded } from './fuzz.ts';
export type { FuzzTarget, AnyFuzzTarget, FuzzRun } from './fuzz.ts';
export { mutationArb, withMutation } from './fuzz-mutate.ts';
export type { Edit, Mutation } from './fuzz-mutate.ts';
// The HTTP server's tests: a Service over a real store and ledger in a temporary home.
export { createFakeService, FAKE_BOOT_ID, FAKE_INCIDENT_ID } from './fake-service.ts';
export type { FakeService } from './fake-service.ts';
// Service fixtures: synthetic hub events (boots, incidents) and the real Prometheus and Alertmanager.
export { panicFinding, outcomeOf, bootEvents, healedIncidentEvents, handedOverIncidentEvents } from './service-events.ts';
export { startPrometheus, startAlertmanager, freePort, waitFor, hasTool } from './prom-stack.ts';
export type { RunningServer } from './prom-stack.ts';
export { createManualTimers } from './manual-timers.ts';
// The service in a child process (killed with -9, reloaded, stopped) and what a killed process left running.
export { serveChild } from './serve-child.ts';
export type { ServeChild } from './serve-child.ts';
export { descendants, isRunning, stillRunning, groupMembers } from './processes.ts';
export type { ManualTimers } from './manual-timers.ts';
// The dashboard's browser tests: a fake of the HTTP API (canned state, a pushable SSE stream).
export { startFakeApi, DASHBOARD_CSP } from './fake-api.ts';
export type { FakeApi, FakeApiState, FakeRole, FakeBoot, FakeIncident } from './fake-api.ts';
// Debian's Chromium for the dashboard's browser tests, and the dashboard build they load.
export { CHROMIUM, chromiumSkip, launchChromium, buildDashboard } from './chromium.ts';
// Debian's Firefox ESR for the same tests (puppeteer-core over WebDriver BiDi).
export { FIREFOX, firefoxSkip, launchFirefox } from './firefox.ts';
export type { FirefoxSession } from './firefox.ts';
// The story the browser tests are shown (the fake API's VM that panics and is healed) and where their screenshots go.
export { startDashboardStory } from './dashboard-story.ts';
export type { ServerUnderTest } from './dashboard-story.ts';
export { screenshotFolder } from './screenshots.ts';
// libvirt: a real libvirtd (started when none answers, stopped by whoever started it) and
// tiny-guest TCG domains a test defines and removes itself.
export { useLibvirtd, withLibvirtd, libvirtSkipReason, libvirtdAnswers, libvirtdPid, startLibvirtDaemons, stopLibvirtDaemons, defineTinyDomain, removeTestDomains, fileSize, LIBVIRT_TEST_ROOT } from './libvirt.ts';
export type { LibvirtdLease, TinyDomain, TinyDomainOptions } from './libvirt.ts';
export { untilFleet } from './service-wait.ts';
