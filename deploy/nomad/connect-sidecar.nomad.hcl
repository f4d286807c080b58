# nomad job run deploy/nomad/connect-sidecar.nomad.hcl
#
# The app and its Connect worker in one group; each allocation is one worker
# of the group example-app-connect. The Nomad Autoscaler sets the count.
# Kafka credentials come from the Nomad Variable nomad/jobs/example-app
# (keys kafka_username and kafka_password), and so does the REST API's bearer
# token (key rest_token), e.g.
#   nomad var put nomad/jobs/example-app kafka_username=... kafka_password=... \
#     rest_token="$(openssl rand -hex 32)"

job "example-app" {
  type = "service"

  group "app" {
    count = 1

    network {
      mode = "bridge"
      port "http" {
        to = 8080
      }
      port "rest" {
        to = 8083
      }
    }

    # Nomad Autoscaler, target-value strategy: new count = count x metric / target.
    # Every worker exports the group's desired worker count, so the query
    # divides it by the number of workers reporting: with target 1 the group
    # ends at desired_workers allocations. It assumes a Prometheus scrape job
    # "example-app-connect" for the service below (metrics on /metrics).
    scaling {
      enabled = true
      min     = 1
      max     = 6

      policy {
        evaluation_interval = "10s"
        cooldown            = "2m"

        check "desired_workers" {
          source = "prometheus"
          query  = "max(connect_sidecar_desired_workers{job=\"example-app-connect\"}) / count(connect_sidecar_desired_workers{job=\"example-app-connect\"})"

          strategy "target-value" {
            target = 1
          }
        }
      }
    }

    task "connect-sidecar" {
      driver = "docker"

      # Started before the app, kept running beside it, stopped after it.
      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      # task.shutdown.graceful.timeout.ms (10 s) plus time to leave the group.
      kill_timeout = "30s"

      config {
        image = "registry.example.com/connect-sidecar:latest"
      }

      env {
        CONNECT_BOOTSTRAP_SERVERS                 = "kafka.service.consul:9093"
        CONNECT_GROUP_ID                          = "example-app-connect"
        CONNECT_SECURITY_PROTOCOL                 = "SASL_SSL"
        CONNECT_SASL_MECHANISM                    = "SCRAM-SHA-512"
        CONNECT_KEY_CONVERTER                     = "org.apache.kafka.connect.storage.StringConverter"
        CONNECT_VALUE_CONVERTER                   = "org.apache.kafka.connect.json.JsonConverter"
        CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE    = "false"
        CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS = "10000"
        # Other workers forward REST writes and task configs to the leader at
        # this address: the host's IP and the port mapped to 8083.
        CONNECT_REST_ADVERTISED_HOST_NAME = "${NOMAD_HOST_IP_rest}"
        CONNECT_REST_ADVERTISED_PORT      = "${NOMAD_HOST_PORT_rest}"
        SIDECAR_APP_URL                   = "http://127.0.0.1:8080/events"
        SIDECAR_APP_HEALTH_URL            = "http://127.0.0.1:8080/healthz"
        # Only the connector this job declares may be created; the HTTP sink
        # may reach only 127.0.0.1, the host of SIDECAR_APP_URL.
        SIDECAR_CONNECTOR_CLASSES = "HttpSinkConnector"
        # REST clients send "Authorization: Bearer <token>" with the token the
        # template below renders; checks and /metrics need none. /admin/*
        # (log levels) answers only on the loopback interface.
        SIDECAR_REST_AUTH_TOKEN_FILE      = "${NOMAD_SECRETS_DIR}/rest-token"
        SIDECAR_REST_ADMIN_LOCALHOST_ONLY = "true"
        SIDECAR_LAG_PER_WORKER            = "10000"
        SIDECAR_CONNECTORS                = <<-EOT
          [{"name": "orders-to-app", "config": {
            "connector.class": "io.connectsidecar.http.HttpSinkConnector",
            "topics": "orders", "tasks.max": "6",
            "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "orders-dlq",
            "errors.deadletterqueue.context.headers.enable": "true"}}]
        EOT
        GOMEMLIMIT = "100MiB"
      }

      template {
        data        = <<-EOT
          SIDECAR_SASL_USERNAME={{ with nomadVar "nomad/jobs/example-app" }}{{ .kafka_username }}{{ end }}
          SIDECAR_SASL_PASSWORD={{ with nomadVar "nomad/jobs/example-app" }}{{ .kafka_password }}{{ end }}
        EOT
        destination = "secrets/kafka.env"
        env         = true
      }

      # The REST API's token as a file: an empty one stops the worker instead
      # of leaving the API open. A changed token restarts the task, which
      # reads it at start.
      template {
        data        = "{{ with nomadVar \"nomad/jobs/example-app\" }}{{ .rest_token }}{{ end }}"
        destination = "secrets/rest-token"
      }

      service {
        name = "example-app-connect"
        port = "rest"
        tags = ["connect"]

        # For a Prometheus consul_sd scrape job "example-app-connect".
        meta {
          metrics_path = "/metrics"
        }

        # Ready from the end of startup on; a failing check only takes the
        # worker out of the catalog.
        check {
          name     = "ready"
          type     = "http"
          path     = "/ready"
          interval = "10s"
          timeout  = "2s"
        }

        # Fails only when the worker itself is wedged, never because Kafka or
        # the app is down: the one check that restarts the task.
        check {
          name     = "live"
          type     = "http"
          path     = "/live"
          interval = "10s"
          timeout  = "2s"

          check_restart {
            limit = 3
            grace = "60s"
          }
        }
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }

    task "app" {
      driver = "docker"

      config {
        image = "registry.example.com/example-app:1.0.0"
      }

      service {
        name = "example-app"
        port = "http"

        check {
          type     = "http"
          path     = "/healthz"
          interval = "10s"
          timeout  = "2s"
        }
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
