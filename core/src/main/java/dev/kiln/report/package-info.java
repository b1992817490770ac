/**
 * What Kiln's self-contained HTML reports share: the page frame with its Content-Security-Policy
 * ({@link dev.kiln.report.HtmlPage}), an escaping SVG writer ({@link dev.kiln.report.Svg}), horizontal bar charts
 * ({@link dev.kiln.report.BarChart}) and writing a report file atomically ({@link dev.kiln.report.ReportFile}).
 */
package dev.kiln.report;
