// Fleet: every VM with its state, last verdict and cause, and its boot-time trend; failed
// first. vm-state events update a card at once; verdicts and heals refetch the list.
import { api } from '../api.ts';
import { Sparkline } from '../charts.tsx';
import { causeWord, dur, fleetOrder, shortId, tone, when } from '../format.ts';
import { useLive, useResource } from '../hooks.ts';
import type { IncidentSummary, VmSummary } from '../types.ts';
import { Badge, Section, Status, href } from '../ui.tsx';

export function FleetPage() {
  const vms = useResource((s) => api.vms(s), [], (e) => e.kind === 'boot' || e.kind === 'heal' || e.kind === 'vm-state');
  const incidents = useResource((s) => api.incidents(s), [], (e) => e.kind === 'heal');
  useLive((e) => {
    if (e.kind === 'vm-state') vms.set((list) => list.map((v) => (v.name === e.vm ? { ...v, state: e.state } : v)));
  });
  const list = [...(vms.data ?? [])].sort(fleetOrder);
  const open = (incidents.data ?? []).filter((i) => i.status === 'open' || i.status === 'healing');
  // The cards may know of an incident before the list is refetched: count both, each once.
  const openCount = new Set([...open.map((i) => i.id), ...list.flatMap((v) => (v.openIncident ? [v.openIncident] : []))]).size;
  const failing = list.filter((v) => tone(v.state) === 'bad').length;
  return (
    <>
      <div class="page-head">
        <h1>Fleet</h1>
        {vms.data && (
          <p class="summary">
            <strong>{list.length}</strong> VM{list.length === 1 ? '' : 's'} · <span class={failing ? 'bad-text' : ''}><strong>{failing}</strong> failing</span> · <strong>{openCount}</strong> open incident{openCount === 1 ? '' : 's'}
          </p>
        )}
      </div>
      <Status loading={vms.loading && !vms.data} error={vms.error} />
      {vms.data && list.length === 0 && <p class="muted">No VMs are watched. Add some to the configuration and reload the service.</p>}
      <ul class="fleet">
        {list.map((v) => <VmCard key={v.name} vm={v} handedOver={v.state === 'handed-over' ? (incidents.data ?? []).find((i) => i.vm === v.name && i.status === 'handed-over')?.id : undefined} />)}
      </ul>
      {open.length > 0 && <OpenIncidents list={open} />}
    </>
  );
}

/** `handedOver`: the incident healing gave to a human, when the VM is in that state (its report is on the incident page). */
function VmCard({ vm, handedOver }: { vm: VmSummary; handedOver?: string | undefined }) {
  const v = vm.lastVerdict;
  return (
    <li class={`vm-card ${tone(vm.state)}`} data-vm={vm.name}>
      <div class="vm-top">
        <a class="vm-name" href={href('vms', vm.name)}>{vm.name}</a>
        <Badge value={vm.state} />
      </div>
      <div class="vm-verdict">
        {v ? (
          <>
            <span class="verdict">
              last boot <Badge value={v.status} /> {causeWord(v.cause) && <span class="cause">{causeWord(v.cause)}</span>}
            </span>
            {v.reason && <span class="reason" title={v.reason}>{v.reason}</span>}
            <span class="muted small">{when(v.startedAt)} · {dur(v.durationMs)}</span>
          </>
        ) : (
          <span class="muted">no verdict yet</span>
        )}
      </div>
      <div class="vm-bottom">
        <div class="vm-trend">
          <Sparkline values={vm.bootTrend} label={`${vm.name} boot times`} />
          <span class="muted small trend-text">{trendText(vm.bootTrend)}</span>
        </div>
        <div class="vm-meta">
          {!vm.openIncident && handedOver && <a class="incident-link handover-link" href={`${href('incidents', handedOver)}`} title={`incident ${handedOver}`}>hand-over report {shortId(handedOver)} →</a>}
          {vm.openIncident && <a class="incident-link" href={href('incidents', vm.openIncident)} title={`incident ${vm.openIncident}`}>open incident {shortId(vm.openIncident)} →</a>}
          <span class="muted small">{vm.source}{vm.heal ? ' · heals' : ' · watch only'}</span>
        </div>
      </div>
    </li>
  );
}

/** What the sparkline beside it stands for, or what stands in for it below two points. */
function trendText(t: readonly number[]): string {
  if (t.length === 0) return 'no ready boot yet';
  const last = dur(t[t.length - 1]!);
  if (t.length === 1) return `1 ready boot: ${last}`;
  return `${t.length} ready boots, latest ${last}`;
}

function OpenIncidents({ list }: { list: IncidentSummary[] }) {
  return (
    <Section title="Open incidents">
      <ul class="rows">
        {list.map((i) => (
          <li key={i.id}>
            <a href={href('incidents', i.id)}>{i.id}</a> <span>{i.vm}</span> <Badge value={i.status} /> <span class="muted small">since {when(i.detectedAt)}</span>
          </li>
        ))}
      </ul>
    </Section>
  );
}
