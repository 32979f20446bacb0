// TODO(libvirt-watch merge): use the part's metadata parser.
/** True when the domain XML's <metadata> holds <bootmedic:heal>true</bootmedic:heal> in bootmedic's namespace. */
export function isOptedIn(xml: string): boolean {
  return /<([\w-]+):heal\s+xmlns:\1="https:\/\/bootmedic\.dev\/xmlns\/1"\s*>\s*true\s*<\/\1:heal>/.test(xml);
}
