      # HTTPS (netlab:workloads[].tls): the certificate for the workload's server name and its
      # key, made per stack by netlab's lab CA, kept in the job's Nomad variable ({{variable}},
      # readable by this job's tasks only) and written into the task's secrets directory, which
      # the Docker driver mounts at /secrets. A new certificate does not restart running
      # instances (that would stop them all at once): it comes with a new server name, which
      # changes the job's routes, so the job's own update strategy rolls out new instances.
      template {
        destination = "secrets/tls.crt"
        change_mode = "noop"
        data        = "{{ with nomadVar \"{{variable}}\" }}{{ .crt }}{{ end }}"
      }
      template {
        destination = "secrets/tls.key"
        perms       = "0400"
        change_mode = "noop"
        data        = "{{ with nomadVar \"{{variable}}\" }}{{ .key }}{{ end }}"
      }
