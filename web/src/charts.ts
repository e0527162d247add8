// charts: Apache ECharts with only the parts the console draws (bars,
// lines, the unit x month heat map), rendered to canvas.
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

/** Draws `option` into `el` (which must be in the page and sized); resizes with the window. */
export function chart(el: HTMLElement, option: ChartOption): echarts.ECharts {
  const c = echarts.init(el, undefined, { renderer: "canvas" });
  c.setOption(option);
  const onResize = () => c.resize();
  window.addEventListener("resize", onResize);
  return c;
}
