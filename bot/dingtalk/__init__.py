"""The 钉钉 (DingTalk) adapter: Stream mode, OpenAPI, cards."""
