"""The owner's reports in /cms/ (Reports menu): see base.OwnerReportView and registry."""
