import { defineErrors } from '../core/index.ts';

export const serviceErrors = defineErrors('service', {
  SERVICE_CONFIG_NOT_FOUND: { cause: 'The service config file given with --config does not exist.', fix: 'Check the path; deploy/bootmedic.yaml is a commented example. Without --config the default path is optional.', exit: 'input' },
  SERVICE_CONFIG_BAD_YAML: { cause: 'The service config file is not valid YAML, or nests too deep or expands its aliases too far.', fix: 'Fix the YAML at the line and column given.', exit: 'input' },
  SERVICE_CONFIG_INVALID: { cause: 'A field of the service config has a wrong type or value, or an unknown field is present.', fix: 'Correct the field named in the message; deploy/bootmedic.yaml lists every field with its default.', exit: 'input' },
  SERVICE_CONFIG_BAD_LISTEN: { cause: "The config's `listen` is not HOST:PORT with an IP address (or localhost) and a port from 0 to 65535.", fix: "Write it as 127.0.0.1:7878, [::1]:7878 or 0.0.0.0:7878.", exit: 'input' },
  SERVICE_CONFIG_NEEDS_TLS: { cause: 'The service would listen on a non-loopback address in plain HTTP: tokens would cross the network in clear.', fix: 'Give `tls: { cert, key }` (PEM files), listen on 127.0.0.1, or set `allowPlainHttp: true` if a TLS proxy sits in front.', exit: 'input' },
  SERVICE_CONFIG_TLS_FILE: { cause: 'The TLS certificate or key named by the config cannot be read.', fix: 'Check the path under `tls` (relative paths are taken from the config file\'s folder).', exit: 'input' },
  SERVICE_CONFIG_BAD_URL: { cause: 'An Alertmanager URL or the external URL is not an absolute http(s) URL.', fix: 'Write it as http://host:9093 (alertmanager.urls) or https://bootmedic.example.org (externalUrl).', exit: 'input' },
  SERVICE_CONFIG_VM_SOURCE: { cause: "A VM source of the config (vms.dir or vms.files) is missing, or two VM files use the same name.", fix: 'Check the folder and files under `vms`; give every VM a unique `name`.', exit: 'input' },
  SERVICE_DRILL_BUSY: { cause: 'A drill was asked for while the service runs another one; drills run one at a time.', fix: 'Wait for the running drill to end (its progress is on the event stream), then start the next.', exit: 'busy' },
  SERVICE_DRILL_INVALID: { cause: "A drill's scenario count or seed is out of range.", fix: 'Ask for 1 to drill.maxScenarios scenarios (the config, default 50) and a seed that is a whole number of at least 0.', exit: 'input' },
  SERVICE_CLOSED: { cause: 'The service was asked to do something after close() began.', fix: 'Start the service again.', exit: 'interrupted' },
});
