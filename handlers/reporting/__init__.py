"""What the bureau reads off the service: progress against the plan and 台账 exports."""
