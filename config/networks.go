package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// parseNetworks reads SPINDLE_METRICS_ALLOWED_NETWORKS: CIDRs separated by commas; a bare
// address means that one host. The error never names more than the bad element.
func parseNetworks(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for s := range strings.SplitSeq(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("contains %q, which is not a network; give CIDRs separated by commas, such as 127.0.0.0/8,10.0.0.0/8,fd00::/8", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func joinNetworks(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
