# Vault Agent beside Karavel (.deb layout): it logs in to Vault, renders each secret Karavel needs into
# a file of /etc/karavel/secrets, and keeps it current. Karavel reads the file through Config Admin
# interpolation, e.g. dqs_key = $[secret:dqs] in /etc/karavel/org.karavel.dnsbl.cfg; it never talks
# to Vault itself. Run it as root (systemd unit vault-agent-karavel.service, below in README.md):
# /etc/karavel/secrets is root:karavel 2750, so a file written there belongs to group karavel.
#
# Check it with: vault agent -config=/etc/vault.d/karavel-agent.hcl -exit-after-auth (renders once).

pid_file = "/run/vault-agent-karavel.pid"

vault {
  address = "https://vault.example.org:8200"
  # ca_cert = "/etc/vault.d/ca.pem"
}

# AppRole: the role id and secret id are files only root can read (delivered by your provisioning).
auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                   = "/etc/vault.d/karavel/role-id"
      secret_id_file_path                 = "/etc/vault.d/karavel/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
}

template_config {
  # keep the last rendered file if Vault is unreachable for a while; never render an empty one
  exit_on_retry_failure         = false
  static_secret_render_interval = "10m"
}

# The Spamhaus DQS key, from the KV v2 secret "secret/karavel" (field dqs_key):
#   vault kv put secret/karavel dqs_key=<your key>
template {
  contents    = "{{ with secret \"secret/data/karavel\" }}{{ .Data.data.dqs_key }}{{ end }}"
  destination = "/etc/karavel/secrets/dqs"
  perms       = "0640"
  # Config Admin reads the file when it hands the configuration to the component: restart that
  # component's bundle so a rotated key counts (bin/client logs in with the user bin/setenv made).
  # Older Vault Agents without exec blocks: command = "/opt/karavel/bin/client 'bundle:restart org.karavel.dnsbl'"
  exec {
    command = ["/opt/karavel/bin/client", "bundle:restart org.karavel.dnsbl"]
    timeout = "60s"
  }
}
