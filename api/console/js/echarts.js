// Loads Apache ECharts once, from this server (installed from npm; never a CDN).
let loading = null;

export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/console/vendor/echarts.min.js";
      script.onload = () => (window.echarts ? resolve(window.echarts) : reject(new Error("图表组件加载失败")));
      script.onerror = () => {
        loading = null;
        reject(new Error("图表组件（ECharts）未安装或无法加载，下表仍列出全部数字。请管理员在项目目录运行 make。"));
      };
      document.head.append(script);
    });
  }
  return loading;
}
